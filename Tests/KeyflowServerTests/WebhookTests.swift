import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

@testable import KeyflowServer

/// An integrator's endpoint on loopback that records what it receives and can answer 503 a given number of times.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        var headers: [String: String]
        var body: String
    }

    let received = Mutex<[Received]>([])
    let failNext = Mutex(0)
    /// The port it listens on, once it does.
    let port = Mutex<Int?>(nil)

    static func with<T: Sendable>(_ body: (WebhookReceiver, String) async throws -> T) async throws -> T {
        let receiver = WebhookReceiver()
        let router = Router()
        router.post("hook") { request, _ -> HTTPResponse.Status in
            let text = String(buffer: try await request.body.collect(upTo: 1 << 20))
            let headers = Dictionary(
                request.headers.map { ($0.name.rawName.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
            let fail = receiver.failNext.withLock { count in
                defer { count = max(0, count - 1) }
                return count > 0
            }
            receiver.received.withLock { $0.append(Received(headers: headers, body: text)) }
            return fail ? .serviceUnavailable : .noContent
        }
        // Bound to a port of the system's choosing, learnt once listening: a free port looked up beforehand
        // could be taken by a test running beside this one, whose receiver would then get these deliveries.
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in receiver.port.withLock { $0 = channel.localAddress?.port } })
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test.webhooks")))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        for _ in 0..<250 where receiver.port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(20)) }
        let port = try #require(receiver.port.withLock { $0 }, "the webhook receiver did not start")
        let result = try await body(receiver, "http://127.0.0.1:\(port)/hook")
        await group.triggerGracefulShutdown()
        return result
    }
}

@Suite("Outbound webhooks")
struct WebhookTests {
    @Test("events are signed as Standard Webhooks describes, retried after a 503, logged, and sent again on request", arguments: TestServer.stores)
    func deliveries(store: TestServer.StoreKind) async throws {
        try await WebhookReceiver.with { receiver, url in
            let server = try await TestServer.make(store) { $0.webhooksAllowPrivateAddresses = true }
            try await server.run(.live) { client in
                let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
                let adminID = try await admin.userID()
                _ = try await admin.object(
                    .post, "/api/v1/webhooks", json: #"{"url": "\#(url)", "eventTypes": ["nothing.such"]}"#,
                    expect: .unprocessableContent)
                let endpoint = try await admin.object(
                    .post, "/api/v1/webhooks", json: #"{"url": "\#(url)", "eventTypes": ["action.completed", "flow.completed"]}"#,
                    expect: .created)
                let secret = try #require(endpoint[string: "secret"])
                let endpointID = try #require(endpoint[string: "id"])
                #expect(secret.hasPrefix("whsec_"))
                let listed = try await admin.object(.get, "/api/v1/webhooks", expect: .ok)[list: "items"]
                #expect(listed.count == 1 && listed[0]["secret"] == nil, "the secret is shown once")

                receiver.failNext.withLock { $0 = 1 }
                let flow = try await admin.object(
                    .post, "/api/v1/flows",
                    json: #"{"name": "Hooked", "actions": [{"type": "todo", "title": "Do it", "assignee": {"userId": "\#(adminID)"}}]}"#,
                    expect: .created)
                let actionID = try #require(flow[list: "actions"][0][string: "id"])
                _ = try await admin.object(.post, "/api/v1/actions/\(actionID)/complete", json: "{}", expect: .ok)

                // the first delivery is answered 503 and retried with the same webhook-id; flow.started is not subscribed
                for _ in 0..<200 where receiver.received.withLock({ $0.count }) < 3 { try await Task.sleep(for: .milliseconds(20)) }
                let received = receiver.received.withLock { $0 }
                let types = received.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any])?[string: "type"] }
                #expect(received.count == 3 && Set(types) == ["action.completed", "flow.completed"])
                let ids = received.compactMap { $0.headers["webhook-id"] }
                let repeated = Set(ids.filter { id in ids.filter { $0 == id }.count == 2 })
                #expect(repeated.count == 1, "exactly one delivery was retried, under the same webhook-id")
                for delivery in received {
                    let id = try #require(delivery.headers["webhook-id"])
                    let timestamp = try #require(delivery.headers["webhook-timestamp"])
                    let key = SymmetricKey(data: try #require(Data(base64Encoded: String(secret.dropFirst(6)))))
                    let mac = HMAC<SHA256>.authenticationCode(for: Data("\(id).\(timestamp).\(delivery.body)".utf8), using: key)
                    #expect(delivery.headers["webhook-signature"] == "v1," + Data(mac).base64EncodedString())
                    #expect(abs((Double(timestamp) ?? 0) - Date().timeIntervalSince1970) < 60)
                }

                // the receiver has answered; the delivery log records it right after
                var log: [[String: Any]] = []
                for _ in 0..<200 {
                    log = try await admin.object(.get, "/api/v1/webhooks/\(endpointID)/deliveries", expect: .ok)[list: "items"]
                    if log.count == 2, log.allSatisfy({ $0[string: "status"] == "succeeded" }) { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(log.count == 2 && log.allSatisfy { $0[string: "status"] == "succeeded" })
                let retried = try #require(log.first { $0["attempts"] as? Int == 2 })
                #expect(repeated.contains(retried[string: "messageId"] ?? ""))
                let first = try #require(log.first { $0[string: "eventType"] == "action.completed" })
                _ = try await admin.object(
                    .post, "/api/v1/webhooks/\(endpointID)/deliveries/\(first[string: "id"]!)/redeliver", expect: .accepted)
                for _ in 0..<200 where receiver.received.withLock({ $0.count }) < 4 { try await Task.sleep(for: .milliseconds(20)) }
                #expect(receiver.received.withLock { $0.last?.headers["webhook-id"] } == first[string: "messageId"])

                let (_, carla) = try await admin.addClient()
                _ = try await carla.object(.get, "/api/v1/webhooks", expect: .forbidden)
                _ = try await admin.call(.delete, "/api/v1/webhooks/\(endpointID)")
                #expect(try await admin.object(.get, "/api/v1/webhooks", expect: .ok)[list: "items"].isEmpty)
            }
        }
    }

    @Test("a flow started from a template in an organization with an endpoint is delivered as flow.started", arguments: TestServer.stores)
    func flowStarted(store: TestServer.StoreKind) async throws {
        try await WebhookReceiver.with { receiver, url in
            let server = try await TestServer.make(store) { $0.webhooksAllowPrivateAddresses = true }
            try await server.run(.live) { client in
                let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
                _ = try await admin.object(
                    .post, "/api/v1/webhooks", json: #"{"url": "\#(url)", "eventTypes": ["flow.started"]}"#, expect: .created)
                let (clientID, _) = try await admin.addClient()
                let (flowID, _, _) = try await admin.jumioFlow(clientID: clientID)
                for _ in 0..<200 where receiver.received.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(20)) }
                let bodies = receiver.received.withLock { $0 }.compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any]
                }
                #expect(bodies.map { $0[string: "type"] } == ["flow.started"])
                #expect((bodies.first?["data"] as? [String: Any])?[string: "flowId"]?.lowercased() == flowID.lowercased())
            }
        }
    }

    @Test("only https, and no private or loopback addresses unless allowed")
    func addresses() async throws {
        let server = try await TestServer.make(.sqlite)
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            for url in ["http://hooks.example.com/k", "https://127.0.0.1/k", "https://10.1.2.3/k", "https://localhost/k", "not a url"] {
                let refused = try await admin.object(.post, "/api/v1/webhooks", json: #"{"url": "\#(url)"}"#, expect: .unprocessableContent)
                #expect((refused["error"] as? [String: Any])?[string: "field"] == "url")
            }
            _ = try await admin.object(.post, "/api/v1/webhooks", json: #"{"url": "https://hooks.fcbank.example/k"}"#, expect: .created)
        }
        #expect(Webhooks.eventType(.actionDueSoon) == "action.due_soon")
        #expect(Webhooks.eventType(.verificationPassed) == "verification.passed")
        #expect(Webhooks.eventType(.message) == nil)
    }
}
