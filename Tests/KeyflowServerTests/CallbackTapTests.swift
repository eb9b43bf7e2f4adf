import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import KeyflowServer

@Suite("Jumio callbacks answered on their connection")
struct CallbackTapTests {
    static let body = #"{"workflowExecution": {"id": "exe", "status": "PROCESSED"}, "account": {"id": "acc"}}"#
    static let health = "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"

    static func callback(_ token: String, body: String = body, fields: String = "") -> String {
        "POST /hooks/jumio/\(token) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\(fields)\r\n\(body)"
    }

    /// A server that takes callbacks from this machine, the token of an open attempt on one of its flows, the
    /// flow's id and its owner.
    static func withCallbackToken(
        _ body: @Sendable @escaping (any TestClientProtocol, _ token: String, _ flowID: String, _ admin: API) async throws -> Void
    ) async throws {
        let server = try await TestServer.make(.sqlite) { $0.jumio.callbackSources = ["127.0.0.1", "::1"] }
        try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, _) = try await admin.addClient()
            let (flowID, actionID, _) = try await admin.jumioFlow(clientID: clientID)
            let (token, _) = try await CallbackSourceTests.usAttempt(server, flowID: flowID, actionID: actionID)
            try await body(client, token, flowID, admin)
        }
    }

    /// The bodies of the answers in `text`, in the order they came.
    static func bodies(_ text: String) -> [String] {
        text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { answer in
            let status = String(answer.prefix(3))
            return status + " " + (answer.components(separatedBy: "\r\n\r\n").dropFirst().first ?? "")
        }
    }

    @Test("a callback's answer carries what every answer carries and is counted under its route")
    func answer() async throws {
        try await Self.withCallbackToken { client, token, _, _ in
            let response = try await client.execute(
                uri: "/hooks/jumio/\(token)", method: .post,
                headers: [.contentType: "application/json", RequestTraceMiddleware.requestID: "jumio-retry-7"],
                body: ByteBuffer(string: Self.body))
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == #"{"received":true}"#)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(response.headers[RequestTraceMiddleware.requestID] == "jumio-retry-7")
            #expect(response.headers[.init("X-Content-Type-Options")!] == "nosniff")
            #expect(response.headers[.init("Referrer-Policy")!] == "same-origin")
            #expect(response.headers[.server] == "Keyflow")
            let date = try #require(response.headers[.date])
            let now = Int(Date().timeIntervalSince1970)
            #expect((now - 2...now).map(HTTPDate.text).contains(date))

            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"keyflow_http_requests_total{method="POST",route="/hooks/jumio/{token}",status="200"} 1"#))
            #expect(metrics.contains(#"keyflow_jumio_callbacks_total{result="received"} 1"#))
        }
    }

    @Test("answers on one connection keep the order of its requests, whoever answers them")
    func order() async throws {
        try await Self.withCallbackToken { client, token, flowID, admin in
            let port = try #require(client.port)
            let (received, ok) = (#"200 {"received":true}"#, #"200 {"status":"ok"}"#)
            // A callback first, answered by the tap while the requests behind it wait their turn.
            let first = try await RawStream.connect(port: port)
            try await first.send(Self.callback(token) + Self.health + Self.callback(token) + Self.health)
            #expect(Self.bodies(try await first.read(answers: 4)) == [received, ok, received, ok])
            try await first.close()
            // Callbacks behind a request of the router's, answered by the router after it.
            let second = try await RawStream.connect(port: port)
            try await second.send(Self.health + Self.callback(token) + Self.callback(token))
            #expect(Self.bodies(try await second.read(answers: 3)) == [ok, received, received])
            try await second.close()
            // A callback behind an answer that has not ended (an event stream) waits for it.
            let stream = try await RawStream.open(port: port, path: "/api/v1/flows/\(flowID)/events", token: try #require(admin.token))
            #expect(try await stream.read(until: "retry: 3000").contains("200 OK"))
            try await stream.send(Self.callback(token))
            try await Task.sleep(for: .milliseconds(500))
            #expect(!(try await stream.read(until: "retry: 3000")).contains("received"))
            try await stream.close()
        }
    }

    @Test("a callback body over 64 KiB is refused and the connection goes on; Connection: close ends it")
    func limits() async throws {
        try await Self.withCallbackToken { client, token, _, _ in
            let port = try #require(client.port)
            let connection = try await RawStream.connect(port: port)
            try await connection.send(Self.callback(token, body: String(repeating: " ", count: 65 * 1024) + Self.body) + Self.health)
            let answers = Self.bodies(try await connection.read(answers: 2))
            #expect(answers.count == 2)
            #expect(answers.first?.hasPrefix("413 ") == true)
            #expect(answers.first?.contains(#""code":"too_large""#) == true)
            #expect(answers.last == #"200 {"status":"ok"}"#)
            try await connection.close()

            let closing = try await RawStream.connect(port: port)
            try await closing.send(Self.callback(token, fields: "Connection: close\r\n"))
            #expect(Self.bodies(try await closing.read(answers: 1)) == [#"200 {"received":true}"#])
            #expect(try await closing.closedByServer())
        }
    }

    @Test("a callback being read when the server is told to stop is answered before its connection closes")
    func shutdown() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-tap-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server = try await ServerProcess.start(["KEYFLOW_SQLITE_PATH": directory.appendingPathComponent("k.sqlite").path])
        defer { server.stop(signal: SIGKILL) }
        let port = try #require(URLComponents(string: server.base)?.port)
        let connection = try await RawStream.connect(port: port)
        let request = Self.callback("no-such-token")
        let cut = request.index(request.endIndex, offsetBy: -10)
        try await connection.send(String(request[..<cut]))
        try await Task.sleep(for: .milliseconds(200))

        kill(server.process.processIdentifier, SIGTERM)
        try await Task.sleep(for: .milliseconds(300))
        try await connection.send(String(request[cut...]))
        #expect(Self.bodies(try await connection.read(answers: 1)).first?.hasPrefix("404 ") == true)
        #expect(try await connection.closedByServer())
    }

    @Test("the Date field is the time in RFC 9110's form")
    func date() {
        #expect(HTTPDate.text(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.text(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.text(951_827_696) == "Tue, 29 Feb 2000 12:34:56 GMT")
        #expect(HTTPDate.text(1_795_996_799) == "Sun, 29 Nov 2026 23:59:59 GMT")
    }

    @Test("only a plain callback path is taken off the router")
    func paths() {
        func token(_ method: HTTPRequest.Method, _ path: String) -> String? {
            CallbackTap.token(HTTPRequest(method: method, scheme: nil, authority: nil, path: path))
        }
        #expect(token(.post, "/hooks/jumio/abc-DEF_1.2~3") == "abc-DEF_1.2~3")
        #expect(token(.post, "/hooks/jumio/abc?retry=1") == "abc")
        #expect(token(.get, "/hooks/jumio/abc") == nil)
        #expect(token(.post, "/hooks/jumio/") == nil)
        #expect(token(.post, "/hooks/jumio/a/b") == nil)
        #expect(token(.post, "/hooks/jumio/a%2Fb") == nil)
        #expect(token(.post, "/hooks/jumiox/abc") == nil)
    }
}
