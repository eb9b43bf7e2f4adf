import AsyncHTTPClient
import Foundation
import HummingbirdTesting
import NIOCore
import Testing

@Suite("The workspace's live event stream")
struct RealtimeTests {
    /// Reads `text/event-stream` frames as they arrive.
    struct EventReader {
        var iterator: HTTPClientResponse.Body.AsyncIterator
        var buffer = ""

        mutating func next() async throws -> (id: String?, kind: String?, data: String)? {
            while true {
                if let end = buffer.range(of: "\n\n") {
                    let frame = String(buffer[..<end.lowerBound])
                    buffer.removeSubrange(..<end.upperBound)
                    var id: String?
                    var kind: String?
                    var data = ""
                    for line in frame.split(separator: "\n") {
                        if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                        if line.hasPrefix("event: ") { kind = String(line.dropFirst(7)) }
                        if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
                    }
                    if kind != nil { return (id, kind, data) }
                    continue
                }
                guard let chunk = try await iterator.next() else { return nil }
                buffer += String(buffer: chunk)
            }
        }
    }

    @Test("a message and an action's progress reach an open stream, and a reconnect replays what it missed", arguments: TestServer.stores)
    func stream(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run(.live) { client in
            let port = try #require(client.port)
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let flow = try await admin.todoFlow(named: "Live", titles: ["First", "Second"])
            let flowID = try #require(flow[string: "id"])
            let firstAction = try #require(flow[list: "actions"].first?[string: "id"])

            var request = HTTPClientRequest(url: "http://localhost:\(port)/api/v1/flows/\(flowID)/events")
            request.headers.add(name: "Authorization", value: "Bearer \(admin.token!)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
            var reader = EventReader(iterator: response.body.makeAsyncIterator())

            // when a member writes and then completes the active action
            _ = try await admin.object(.post, "/api/v1/flows/\(flowID)/messages", json: #"{"text": "Hello <b>team</b>"}"#, expect: .created)
            _ = try await admin.object(.post, "/api/v1/actions/\(firstAction)/complete", expect: .ok)

            // then the stream carries each event as it commits, in order
            var seen: [(id: String?, kind: String?, data: String)] = []
            while seen.count < 3, let event = try await reader.next() { seen.append(event) }
            #expect(seen.map(\.kind) == ["message", "actionCompleted", "actionAssigned"])
            #expect(seen[0].data.contains(#""text":"Hello <b>team</b>""#))
            #expect(seen[2].data.contains("“Second” is assigned to Ada Admin"))

            // and a client that reconnects with Last-Event-ID gets what came after it
            var resume = HTTPClientRequest(url: "http://localhost:\(port)/api/v1/flows/\(flowID)/events")
            resume.headers.add(name: "Authorization", value: "Bearer \(admin.token!)")
            resume.headers.add(name: "Last-Event-ID", value: try #require(seen[0].id))
            let replay = try await HTTPClient.shared.execute(resume, timeout: .seconds(30))
            var replayReader = EventReader(iterator: replay.body.makeAsyncIterator())
            let first = try await replayReader.next()
            let second = try await replayReader.next()
            #expect([first?.kind, second?.kind] == ["actionCompleted", "actionAssigned"])
        }
    }

    @Test("a stream is let go as soon as its client leaves; no internal header shows, and a HEAD opens none", arguments: TestServer.stores)
    func streamLetGo(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run(.live) { client in
            let port = try #require(client.port)
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let flow = try await admin.todoFlow(named: "Leaving", titles: ["A"])
            let flowID = try #require(flow[string: "id"])
            let watcher = try await RawStream.open(
                port: port, path: "/api/v1/flows/\(flowID)/events", token: try #require(admin.token))
            _ = try await admin.object(.post, "/api/v1/flows/\(flowID)/messages", json: #"{"text": "still there?"}"#, expect: .created)
            let received = try await watcher.read(until: "event: message\n")
            #expect(received.contains("HTTP/1.1 200"))
            #expect(!received.lowercased().contains("x-keyflow-event-stream"))
            #expect(try await Self.openStreams(client) == 1)

            // and a HEAD opens no stream (its frames would be written as a body the HEAD must not have)
            let peek = try await RawStream.open(
                port: port, path: "/api/v1/flows/\(flowID)/events", token: try #require(admin.token), method: "HEAD")
            #expect(try await peek.read(until: "\r\n\r\n").hasPrefix("HTTP/1.1 "))
            #expect(try await Self.openStreams(client) == 1)
            try await peek.close()

            // when the client goes away without a word
            try await watcher.close()

            // then the server lets its stream go at once, not at the next keep-alive
            var open = try await Self.openStreams(client)
            for _ in 0..<50 where open != 0 {
                try await Task.sleep(for: .milliseconds(100))
                open = try await Self.openStreams(client)
            }
            #expect(open == 0)
        }
    }

    @Test("on shutdown an open stream ends with its response complete, so the client reconnects elsewhere")
    func streamEndsOnShutdown() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-stream-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server = try await ServerProcess.start([
            "KEYFLOW_SQLITE_PATH": directory.appendingPathComponent("k.sqlite").path, "KEYFLOW_DEMO": "true",
        ])
        defer { server.stop(signal: SIGKILL) }
        let admin = try await RemoteAPI(base: server.base).signedIn("admin@example.com", "keyflow-demo")
        let flows = try await admin.object(.GET, "/api/v1/flows", expect: 200)
        let flowID = try #require((flows["items"] as? [[String: Any]])?.first?["id"] as? String)
        let port = try #require(URLComponents(string: server.base)?.port)
        let stream = try await RawStream.open(port: port, path: "/api/v1/flows/\(flowID)/events", token: try #require(admin.token))
        #expect(try await stream.read(until: "retry: 3000").contains("200 OK"))

        // when the server is asked to stop
        let clock = ContinuousClock()
        let start = clock.now
        server.stop()

        // then the stream's chunked response is finished properly, and the server is gone quickly
        #expect(try await stream.read(until: "\r\n0\r\n\r\n").hasSuffix("\r\n0\r\n\r\n"))
        #expect(clock.now - start < .seconds(10))
    }

    static func openStreams(_ client: some TestClientProtocol) async throws -> Int? {
        let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
        let line = text.split(separator: "\n").first { $0.hasPrefix("keyflow_sse_connections ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) }
    }

    @Test("the stream is closed to people outside the flow", arguments: TestServer.stores)
    func streamNeedsAccess(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (_, outsider) = try await admin.addClient(name: "O")
            let flow = try await admin.todoFlow(named: "Private", titles: ["A"])
            let response = try await outsider.call(.get, "/api/v1/flows/\(try #require(flow[string: "id"]))/events")
            #expect(response.status == .notFound)
            _ = try await outsider.object(
                .post, "/api/v1/flows/\(try #require(flow[string: "id"]))/messages", json: #"{"text": "hi"}"#, expect: .notFound)
        }
    }
}
