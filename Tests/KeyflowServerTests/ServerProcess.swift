import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// `keyflow serve` as a process of its own, for tests of several instances and of crashes.
final class ServerProcess: @unchecked Sendable {
    let process: Process
    let base: String
    let log: URL

    static var binary: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/keyflow")
    }

    private init(process: Process, base: String, log: URL) {
        self.process = process
        self.base = base
        self.log = log
    }

    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    /// Whether something listens on the port already.
    static func isListening(_ port: Int) async throws -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
            try await channel.close()
            return true
        } catch {
            return false
        }
    }

    /// Starts the server with these variables (plus a free port) and waits until `/health` answers.
    static func start(_ environment: [String: String], port: Int? = nil) async throws -> ServerProcess {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw API.Unexpected(description: "\(binary.path) is missing; build it with `swift build` first")
        }
        let port = if let port { port } else { try await freePort() }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-\(port)-\(UUID()).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve"]
        process.environment = ProcessInfo.processInfo.environment.merging(
            environment.merging(["KEYFLOW_PORT": "\(port)", "KEYFLOW_BCRYPT_COST": "4"]) { given, _ in given }
        ) { _, given in given }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let server = ServerProcess(process: process, base: "http://127.0.0.1:\(port)", log: log)
        for _ in 0..<300 {
            if (try? await HTTPClientProbe.ok("\(server.base)/health")) == true { return server }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.stop(signal: SIGKILL)
        throw API.Unexpected(description: "keyflow serve did not come up: \(server.logText)")
    }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    func stop(signal: Int32 = SIGTERM) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }
}

/// The API of a server in another process, over real HTTP.
struct RemoteAPI: Sendable {
    let base: String
    var token: String?

    func call(_ method: HTTPMethod, _ path: String, json: String? = nil, timeout: TimeAmount = .seconds(30))
        async throws -> (status: Int, body: [String: Any])
    {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any] ?? [:]
        return (Int(response.status.code), object)
    }

    func object(_ method: HTTPMethod, _ path: String, json: String? = nil, expect status: Int) async throws -> [String: Any] {
        let (got, body) = try await call(method, path, json: json)
        guard got == status else { throw API.Unexpected(description: "\(method) \(path): \(got), expected \(status): \(body)") }
        return body
    }

    func signedIn(_ email: String, _ password: String) async throws -> RemoteAPI {
        let session = try await object(.POST, "/api/v1/sessions", json: #"{"email": "\#(email)", "password": "\#(password)"}"#, expect: 201)
        return RemoteAPI(base: base, token: session["token"] as? String)
    }

    func on(_ other: ServerProcess) -> RemoteAPI { RemoteAPI(base: other.base, token: token) }

    /// Reads the flow's event stream until every one of `kinds` has arrived: false when `seconds` pass first.
    func waitForEvents(flowID: String, kinds: [String], seconds: Int = 30) async throws -> Bool {
        var request = HTTPClientRequest(url: "\(base)/api/v1/flows/\(flowID)/events")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let stream = request
        return try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                let response = try await HTTPClient.shared.execute(stream, timeout: .seconds(Int64(seconds)))
                var seen = ""
                for try await chunk in response.body {
                    seen += String(buffer: chunk)
                    if kinds.allSatisfy({ seen.contains("event: \($0)\n") }) { return true }
                }
                return false
            }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
