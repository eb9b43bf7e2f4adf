import Foundation
import JumioKit
import KeyflowJSON

/// One emulated workflow execution and everything that happened to it.
struct SandboxExecution: Sendable {
    var id: String
    var accountID: String
    var key: Int
    var status: JumioExecutionStatus
    var customerInternalReference: String
    var userReference: String?
    var reportingCriteria: String?
    var callbackURL: String?
    var successURL: String?
    var errorURL: String?
    var locale: String
    var authorizationToken: String
    var credentials: [(id: String, category: String)]
    var createdAt: Date
    var tokenExpiresAt: Date
    var startedAt: Date?
    var lastActivityAt: Date?
    var acquiredAt: Date?
    var processedAt: Date?
    var wipedOutAt: Date?
    /// Forced by the Mock Service convention, else chosen on the journey page.
    var outcome: SandboxOutcome?
    var credentialWithDecision: String?
    var extractionOverrides: [String: String]
}

struct SandboxAccount: Sendable {
    var id: String
    var executionIDs: [String]
    var deleted: Bool
}

/// A callback waiting to be delivered.
/// A callback the sandbox would have sent: where to, and the JSON body.
public struct HeldCallback: Sendable {
    public var url: String
    public var body: Data
}

struct PendingCallback: Sendable {
    var url: String
    var body: Data
    var attempt: Int
    var notBefore: Date
}

extension SandboxExecution {
    /// Jumio's timestamps: UTC with milliseconds, `2026-11-28T16:11:31.123Z`. One style made once: making it
    /// and mending its zone's text on every call was a third of the cost of a retrieval's details.
    static func timestamp(_ date: Date) -> String {
        timestampStyle.format(date)
    }

    private static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// An id for `part` of this execution's details that is the same on every retrieval, as Jumio's are: two
    /// FNV-1a hashes of the execution's id and the part's name, shaped as a version 4 UUID.
    func stableID(_ part: String) -> String {
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { raw in
            raw.storeBytes(of: Self.fnv1a(id + "/" + part), toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: Self.fnv1a(part + "/" + id), toByteOffset: 8, as: UInt64.self)
            raw[6] = raw[6] & 0x0f | 0x40
            raw[8] = raw[8] & 0x3f | 0x80
        }
        return UUID(uuid: uuid).text(uppercase: false)
    }

    private static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    func href(base: String) -> String { "\(base)/api/v1/accounts/\(accountID)/workflow-executions/\(id)" }

    /// The callback Jumio would POST for `status`.
    func callback(status: JumioExecutionStatus, base: String, at now: Date) -> JumioCallback {
        JumioCallback(
            callbackSentAt: Self.timestamp(now), userReference: userReference,
            workflowExecution: .init(id: id, href: href(base: base), definitionKey: String(key), status: status),
            account: .init(id: accountID, href: "\(base)/api/v1/accounts/\(accountID)"))
    }
}
