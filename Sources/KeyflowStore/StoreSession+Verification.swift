import Foundation
import Keyflow
import SQLKit

/// An attempt as the store indexes it, for callbacks and the reconciler.
public struct AttemptRecord: Sendable, Equatable {
    public var id: UUID
    public var organizationID: UUID
    public var flowID: UUID
    public var actionID: UUID
    public var dataCenter: String
    public var accountID: String
    public var executionID: String
    public var open: Bool
    public var createdAt: Date
    public var nextCheckAt: Date
    public var checkCount: Int
    public var finishedAt: Date?
    public var purgedAt: Date?

    public init(
        id: UUID, organizationID: UUID, flowID: UUID, actionID: UUID, dataCenter: String, accountID: String,
        executionID: String, open: Bool, createdAt: Date, nextCheckAt: Date, checkCount: Int,
        finishedAt: Date? = nil, purgedAt: Date? = nil
    ) {
        self.id = id
        self.organizationID = organizationID
        self.flowID = flowID
        self.actionID = actionID
        self.dataCenter = dataCenter
        self.accountID = accountID
        self.executionID = executionID
        self.open = open
        self.createdAt = createdAt
        self.nextCheckAt = nextCheckAt
        self.checkCount = checkCount
        self.finishedAt = finishedAt
        self.purgedAt = purgedAt
    }
}

public struct JumioConnectionRecord: Sendable, Equatable {
    public var id: UUID
    public var organizationID: UUID
    public var name: String
    public var dataCenter: String
    public var clientID: String
    public var sealedSecret: String
    public var createdAt: Date

    public init(
        id: UUID, organizationID: UUID, name: String, dataCenter: String, clientID: String, sealedSecret: String,
        createdAt: Date
    ) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.dataCenter = dataCenter
        self.clientID = clientID
        self.sealedSecret = sealedSecret
        self.createdAt = createdAt
    }
}

extension StoreSession {
    /// Stores a new attempt. On PostgreSQL, inside a transaction, it travels with the next write (see `carry`),
    /// so the same transaction must not change the attempt afterwards.
    public func insertAttempt(_ record: AttemptRecord, callbackToken: String) async throws {
        try await carry(
            """
            INSERT INTO verification_attempts (id, organization_id, flow_id, action_id, data_center, callback_token_hash,
                account_id, execution_id, open, created_at, next_check_at, check_count)
            VALUES (\(bind: record.id.key), \(bind: record.organizationID.key), \(bind: record.flowID.key),
                    \(bind: record.actionID.key), \(bind: record.dataCenter), \(bind: Self.hash(token: callbackToken)),
                    \(bind: record.accountID), \(bind: record.executionID), 1, \(bind: record.createdAt.seconds),
                    \(bind: record.nextCheckAt.seconds), 0)
            """
        )
    }

    /// An attempt with its flow as read for a change (nil if the flow is gone) in one statement: applying
    /// Jumio's answer to an attempt needs the flow before it calls Jumio, and the change after it can take
    /// this read (`flowForChange(_:readBefore:)`) instead of reading again.
    public func attemptWithFlow(_ id: UUID) async throws -> (attempt: AttemptRecord, flow: FlowForChange?)? {
        try await attemptsWithFlows([id])[id]
    }

    /// `attemptWithFlow` for several attempts in one statement (a batch of claimed jobs); those not found are
    /// missing from the answer.
    public func attemptsWithFlows(_ ids: [UUID]) async throws -> [UUID: (attempt: AttemptRecord, flow: FlowForChange?)] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.raw(
            """
            SELECT verification_attempts.*, \(flowForChangeColumns)
            FROM verification_attempts LEFT JOIN flows ON flows.id = verification_attempts.flow_id
                LEFT JOIN organizations ON organizations.id = flows.organization_id
            WHERE verification_attempts.id \(isOneOf(ids.map(\.key)))
            """
        ).all()
        var found: [UUID: (attempt: AttemptRecord, flow: FlowForChange?)] = [:]
        for row in rows {
            let attempt = try Self.attempt(from: row)
            found[attempt.id] = (attempt, try flowForChange(from: row))
        }
        return found
    }

    public func attempts(ofFlow flowID: UUID) async throws -> [AttemptRecord] {
        try await sql.raw("SELECT * FROM verification_attempts WHERE flow_id = \(bind: flowID.key) ORDER BY created_at")
            .all().map(Self.attempt(from:))
    }

    /// Open attempts whose next check with Jumio is due.
    public func attemptsDue(at now: Date, limit: Int) async throws -> [AttemptRecord] {
        try await sql.raw(
            """
            SELECT * FROM verification_attempts WHERE open = 1 AND next_check_at <= \(bind: now.seconds)
            ORDER BY next_check_at LIMIT \(bind: limit)
            """
        ).all().map(Self.attempt(from:))
    }

    public func scheduleCheck(of attemptID: UUID, at next: Date) async throws {
        try await sql.raw(
            """
            UPDATE verification_attempts SET next_check_at = \(bind: next.seconds), check_count = check_count + 1
            WHERE id = \(bind: attemptID.key)
            """
        ).run()
    }

    /// Closes a decided attempt: nothing about it is left to do, and its callbacks count as dealt with from now
    /// on (`callbacks(of:)`). On PostgreSQL it travels with the transaction's next write. (`storeTogether`
    /// closes several attempts the same way.)
    public func closeAttempt(_ attemptID: UUID, at now: Date) async throws {
        try await carry(
            "UPDATE verification_attempts SET open = 0, finished_at = \(bind: now.seconds) WHERE id = \(bind: attemptID.key) AND open = 1")
    }

    /// Closed attempts whose data is older than `before` and not purged yet.
    public func attemptsToPurge(finishedBefore before: Date, limit: Int) async throws -> [AttemptRecord] {
        try await sql.raw(
            """
            SELECT * FROM verification_attempts WHERE open = 0 AND purged_at IS NULL AND finished_at < \(bind: before.seconds)
            ORDER BY finished_at LIMIT \(bind: limit)
            """
        ).all().map(Self.attempt(from:))
    }

    public func markPurged(_ attemptID: UUID, at now: Date) async throws {
        try await carry(
            "UPDATE verification_attempts SET purged_at = \(bind: now.seconds), open = 0 WHERE id = \(bind: attemptID.key)")
    }

    public func insert(_ connection: JumioConnectionRecord, createdBy: UUID) async throws {
        let existing = try await sql.raw(
            "SELECT id FROM jumio_connections WHERE organization_id = \(bind: connection.organizationID.key) AND name = \(bind: connection.name)"
        ).first()
        if existing != nil { throw StoreError.duplicate(what: "the connection name '\(connection.name)'") }
        try await sql.raw(
            """
            INSERT INTO jumio_connections (id, organization_id, name, data_center, client_id, sealed_secret, created_by, created_at)
            VALUES (\(bind: connection.id.key), \(bind: connection.organizationID.key), \(bind: connection.name),
                    \(bind: connection.dataCenter), \(bind: connection.clientID), \(bind: connection.sealedSecret),
                    \(bind: createdBy.key), \(bind: connection.createdAt.seconds))
            """
        ).run()
    }

    public func jumioConnection(_ id: UUID) async throws -> JumioConnectionRecord? {
        try await sql.raw("SELECT * FROM jumio_connections WHERE id = \(bind: id.key)").first().map(Self.connection(from:))
    }

    public func jumioConnections(in organizationID: UUID) async throws -> [JumioConnectionRecord] {
        try await sql.raw(
            "SELECT * FROM jumio_connections WHERE organization_id = \(bind: organizationID.key) ORDER BY name"
        ).all().map(Self.connection(from:))
    }

    static func connection(from row: any SQLRow) throws -> JumioConnectionRecord {
        JumioConnectionRecord(
            id: try row.uuid("id"), organizationID: try row.uuid("organization_id"),
            name: try row.decode(column: "name", as: String.self),
            dataCenter: try row.decode(column: "data_center", as: String.self),
            clientID: try row.decode(column: "client_id", as: String.self),
            sealedSecret: try row.decode(column: "sealed_secret", as: String.self), createdAt: try row.date("created_at"))
    }

    static func attempt(from row: any SQLRow) throws -> AttemptRecord {
        AttemptRecord(
            id: try row.uuid("id"), organizationID: try row.uuid("organization_id"), flowID: try row.uuid("flow_id"),
            actionID: try row.uuid("action_id"), dataCenter: try row.decode(column: "data_center", as: String.self),
            accountID: try row.decode(column: "account_id", as: String.self),
            executionID: try row.decode(column: "execution_id", as: String.self),
            open: try row.decode(column: "open", as: Int.self) == 1, createdAt: try row.date("created_at"),
            nextCheckAt: try row.date("next_check_at"), checkCount: try row.decode(column: "check_count", as: Int.self),
            finishedAt: try row.optionalDate("finished_at"), purgedAt: try row.optionalDate("purged_at"))
    }
}
