import AsyncHTTPClient
import Crypto
import Foundation
import Keyflow
import KeyflowStore
import Logging
import NIOCore

/// Outbound webhooks as the Standard Webhooks specification describes them: each flow, action and
/// verification event becomes one delivery per subscribed endpoint, written in the same transaction as the
/// event, sent by the `webhook.deliver` job with `webhook-id`, `webhook-timestamp` and `webhook-signature`
/// (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`), and retried with back-off until the endpoint answers 2xx.
struct Webhooks: Sendable {
    static let queue = "webhook.deliver"
    static let maximumAttempts = 10

    let secrets: SecretBox?
    let clock: AppClock
    let logger: Logger
    let allowPrivateAddresses: Bool

    /// The event type integrators see (`action.completed`); chat messages are not sent.
    static func eventType(_ kind: FlowEvent.Kind) -> String? { eventTypes[kind] }

    /// Worked out once: every change looks up its events' types.
    private static let eventTypes: [FlowEvent.Kind: String] = Dictionary(
        uniqueKeysWithValues: FlowEvent.Kind.allCases.compactMap { kind in spelled(kind).map { (kind, $0) } })

    private static func spelled(_ kind: FlowEvent.Kind) -> String? {
        let name = kind.rawValue
        for prefix in ["flow", "action", "verification"] where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            let snake = rest.enumerated().map { index, character in
                character.isUppercase ? (index == 0 ? "" : "_") + character.lowercased() : String(character)
            }.joined()
            return "\(prefix).\(snake)"
        }
        return nil
    }

    static var allEventTypes: [String] { FlowEvent.Kind.allCases.compactMap(eventType) }

    /// Queues the deliveries of `events` to the organization's endpoints; runs inside the events' transaction.
    func enqueue(_ events: [StoredEvent], organizationID: UUID, in db: StoreSession, now: Date) async throws {
        let typed = events.compactMap { event in Self.eventType(event.event.kind).map { (event, $0) } }
        guard !typed.isEmpty else { return }
        let endpoints = try await db.webhookEndpoints(of: organizationID)
        for (event, type) in typed {
            let subscribed = endpoints.filter { $0.wants(type) }
            guard !subscribed.isEmpty else { continue }
            let payload = try Self.payload(event, type: type)
            for endpoint in subscribed {
                let delivery = WebhookDelivery(
                    id: UUID.random(), endpointID: endpoint.id, messageID: "msg_\(UUID.random().text(uppercase: false))",
                    eventType: type, payload: payload, createdAt: now)
                try await db.insert(delivery)
                try await db.enqueue(
                    queue: Self.queue, payload: delivery.id.uuidString, runAt: now, maxAttempts: Self.maximumAttempts,
                    now: now)
            }
        }
    }

    struct Payload: Encodable {
        struct Data: Encodable {
            var eventId: Int64
            var flowId: UUID
            var actionId: UUID?
            var actorId: UUID?
            var text: String
            var details: [String: String]
        }

        var type: String
        var timestamp: Date
        var data: Data
    }

    static func payload(_ event: StoredEvent, type: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let payload = Payload(
            type: type, timestamp: event.event.at,
            data: .init(
                eventId: event.id, flowId: event.flowID, actionId: event.event.actionID, actorId: event.event.actorID,
                text: event.event.text, details: event.event.data))
        return String(decoding: try encoder.encode(payload), as: UTF8.self)
    }

    /// A new signing secret, `whsec_` and 24 random bytes in base64.
    static func newSecret() -> String {
        "whsec_" + Data(SymmetricKey(size: .init(bitCount: 192)).withUnsafeBytes { Array($0) }).base64EncodedString()
    }

    static func signature(secret: String, messageID: String, timestamp: Int, body: String) -> String? {
        guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))) else { return nil }
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(messageID).\(timestamp).\(body)".utf8), using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// Sends one delivery. A refusal or no answer is recorded and thrown, so the job is tried again later; the
    /// last attempt marks the delivery failed.
    func deliver(_ job: Job, store: Store) async throws {
        guard let deliveryID = UUID(uuidString: job.payload),
            let (delivery, endpoint) = try await store.read({ db -> (WebhookDelivery, WebhookEndpoint?)? in
                guard let delivery = try await db.webhookDelivery(deliveryID) else { return nil }
                return (delivery, try await db.webhookEndpoint(delivery.endpointID))
            })
        else { return }
        guard let endpoint else {
            try await record(deliveryID, .failed, code: nil, error: "the endpoint was deleted", store: store)
            return
        }
        guard let secrets, let secret = try? secrets.open(endpoint.sealedSecret) else {
            try await record(deliveryID, .failed, code: nil, error: "the signing secret cannot be opened", store: store)
            return
        }
        let timestamp = Int(clock.now().timeIntervalSince1970)
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Keyflow-Webhooks/0.1")
        request.headers.add(name: "webhook-id", value: delivery.messageID)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        request.headers.add(
            name: "webhook-signature",
            value: Self.signature(secret: secret, messageID: delivery.messageID, timestamp: timestamp, body: delivery.payload) ?? "")
        request.body = .bytes(ByteBuffer(string: delivery.payload))
        let last = job.attempts >= job.maxAttempts
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            let code = Int(response.status.code)
            if (200..<300).contains(code) {
                try await record(deliveryID, .succeeded, code: code, error: nil, store: store)
                return
            }
            try await record(deliveryID, last ? .failed : .pending, code: code, error: "HTTP \(code)", store: store)
            throw WebhookRefused(description: "the endpoint answered \(code)")
        } catch let refused as WebhookRefused {
            throw refused
        } catch {
            try await record(deliveryID, last ? .failed : .pending, code: nil, error: "\(error)", store: store)
            throw error
        }
    }

    private func record(
        _ id: UUID, _ status: WebhookDelivery.Status, code: Int?, error: String?, store: Store
    ) async throws {
        let now = clock.now()
        try await store.write { try await $0.recordAttempt(of: id, status: status, statusCode: code, error: error, at: now) }
    }

    struct WebhookRefused: Error, CustomStringConvertible {
        var description: String
    }

    /// Only `https://` addresses, or any `http(s)://` when private addresses are allowed (development, tests);
    /// literal private and loopback addresses are refused unless allowed.
    func check(url text: String) throws(APIError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme, let host = url.host, !host.isEmpty,
            text.count <= 2000
        else { throw APIError.invalid("'\(text)' is not a URL like https://example.com/keyflow-events", field: "url") }
        let schemes = allowPrivateAddresses ? ["http", "https"] : ["https"]
        guard schemes.contains(scheme) else {
            throw APIError.invalid("webhooks are sent only to \(schemes.joined(separator: " or ")):// URLs", field: "url")
        }
        guard allowPrivateAddresses || !Self.isPrivate(host) else {
            throw APIError.invalid(
                "\(host) is a private or loopback address; set KEYFLOW_WEBHOOKS_ALLOW_PRIVATE=true to allow it", field: "url")
        }
    }

    static func isPrivate(_ host: String) -> Bool {
        let lower = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if lower == "localhost" || lower.hasSuffix(".localhost") { return true }
        if lower.contains(":") {
            return lower == "::1" || lower.hasPrefix("fc") || lower.hasPrefix("fd") || lower.hasPrefix("fe80:")
        }
        let parts = lower.split(separator: ".").compactMap { Int($0) }
        guard parts.count == 4 else { return false }
        return parts[0] == 10 || parts[0] == 127 || parts[0] == 0 || (parts[0] == 169 && parts[1] == 254)
            || (parts[0] == 172 && (16...31).contains(parts[1])) || (parts[0] == 192 && parts[1] == 168)
    }
}
