import Foundation
import Keyflow
import KeyflowJSON
import SQLKit

/// A flow read for a change: see `StoreSession.flowForChange`.
public struct FlowForChange: Sendable {
    public var stored: StoredFlow
    public var organization: Organization?
    public var hasWebhookEndpoints: Bool
    /// The users among the flow's members (the owner too); one deleted since is missing.
    public var members: [User]
}

/// Which flow a change is for: the flow itself, or the one an action belongs to (found in the same statement
/// as the flow, so an act on an action costs no look-up of its own).
public enum FlowReference: Sendable, Equatable {
    case flow(UUID)
    case action(UUID)
}

/// A flow as read from the store, with the version a later save must still find.
public struct StoredFlow: Sendable {
    public var flow: Flow
    public var version: Int
    /// How its save makes sure nobody saved it since it was read.
    var saveCheck = SaveCheck.answered

    enum SaveCheck: Sendable {
        /// The save answers whether it found the version read: a round trip of its own.
        case answered
        /// Read for a change inside a PostgreSQL transaction: its row is locked until the transaction ends,
        /// so nobody else can save it meanwhile and the save travels with the next write.
        case lockedUntilCommit
        /// Read for a change in a PostgreSQL unit not yet begun (`Store.writeOptimistically`): the save
        /// travels with the next write and fails that whole statement if the version has moved on.
        case inStatement
    }
}

extension StoreSession {
    /// Stores a new flow. On PostgreSQL its rows travel with the transaction's next write (the flow's first
    /// events), which the foreign keys allow: they are checked at the end of that statement.
    public func insert(_ flow: Flow, at now: Date) async throws {
        let document = try documentRemembered(flow)
        try await carry(
            """
            INSERT INTO flows (id, organization_id, template_id, owner_id, name, status, version, document,
                               next_reminder_at, created_at, updated_at)
            VALUES (\(bind: flow.id.key), \(bind: flow.organizationID.key), \(bind: flow.templateID?.key),
                    \(bind: flow.ownerID.key), \(bind: flow.name), \(bind: flow.status.rawValue), 1,
                    \(bind: document), \(bind: flow.nextReminderAt?.seconds),
                    \(bind: flow.createdAt.seconds), \(bind: now.seconds))
            """)
        try await syncIndexes(of: flow)
    }

    /// Saves a changed flow if nobody saved it since `stored` was read. (`storeTogether` saves the same columns
    /// for several flows at once: a column added here goes there too.)
    /// A flow locked for the change cannot have been saved by anyone else, so its save need not be checked and
    /// travels with the transaction's next write; one read for an optimistic change travels there too, with
    /// `keyflow_expect_version` (migration M0017) failing the statement if the version has moved on.
    public func update(_ flow: Flow, from stored: StoredFlow, at now: Date) async throws {
        let versionMatches: SQLQueryString =
            stored.saveCheck == .inStatement
            ? "keyflow_expect_version(version, \(bind: stored.version))" : "version = \(bind: stored.version)"
        let update: SQLQueryString = """
            UPDATE flows SET name = \(bind: flow.name), status = \(bind: flow.status.rawValue),
                version = \(bind: stored.version + 1), document = \(bind: try documentRemembered(flow)),
                next_reminder_at = \(bind: flow.nextReminderAt?.seconds), updated_at = \(bind: now.seconds)
            WHERE id = \(bind: flow.id.key) AND \(versionMatches)
            """
        switch stored.saveCheck {
        case .lockedUntilCommit, .inStatement:
            try await carry(update)
        case .answered:
            let rows = try await sql.raw("\(update) RETURNING version").all()
            guard rows.count == 1 else { throw StoreError.concurrentUpdate(entity: "flow", id: flow.id.uuidString) }
        }
        if Self.changesIndexes(flow, from: stored) { try await syncIndexes(of: flow) }
    }

    /// Most changes move an action along; only new members or actions need the index tables touched.
    static func changesIndexes(_ flow: Flow, from stored: StoredFlow) -> Bool {
        flow.memberIDs != stored.flow.memberIDs || flow.actions.map(\.id) != stored.flow.actions.map(\.id)
    }

    /// The flow's document, remembered as its decoded value for the next read.
    func documentRemembered(_ flow: Flow) throws -> DocumentBytes {
        let document = try FlowDocument.encode(flow)
        memory.flows.remember(id: flow.id.key, document: document, value: flow)
        return document
    }

    /// Flows with a reminder due at `now`, oldest first.
    public func flowsDueForReminders(at now: Date, limit: Int) async throws -> [UUID] {
        try await sql.raw(
            """
            SELECT id FROM flows WHERE next_reminder_at <= \(bind: now.seconds) AND status = 'active'
            ORDER BY next_reminder_at LIMIT \(bind: limit)
            """
        ).all().map { try $0.uuid("id") }
    }

    /// Takes (or renews) the lease `name` for `holder` until `now + duration`, unless another holder's lease is
    /// still running. One statement, so two instances can never both hold it.
    public func acquireLease(_ name: String, holder: String, for duration: Double, now: Date) async throws -> Bool {
        let rows = try await sql.raw(
            """
            INSERT INTO leases (name, holder, until) VALUES (\(bind: name), \(bind: holder), \(bind: now.seconds + duration))
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
            WHERE leases.until < \(bind: now.seconds) OR leases.holder = excluded.holder
            RETURNING holder
            """
        ).all()
        return !rows.isEmpty
    }

    /// Members and action ids live in index tables too, so lists and `/actions/{id}` need no document scan.
    /// One multi-row insert each, keeping the rows already there: no read first, and on PostgreSQL no round
    /// trip of their own (they travel with the next write).
    func syncIndexes(of flow: Flow) async throws {
        let members = flow.memberIDs.map { member -> SQLQueryString in "(\(bind: flow.id.key), \(bind: member.key))" }
        if !members.isEmpty {
            try await carry(
                "INSERT INTO flow_members (flow_id, user_id) VALUES \(members.joined(separator: ", ")) ON CONFLICT DO NOTHING")
        }
        let actions = flow.actions.map { action -> SQLQueryString in "(\(bind: action.id.key), \(bind: flow.id.key))" }
        if !actions.isEmpty {
            try await carry(
                "INSERT INTO flow_actions (action_id, flow_id) VALUES \(actions.joined(separator: ", ")) ON CONFLICT DO NOTHING")
        }
    }

    public func flow(_ id: UUID) async throws -> StoredFlow? {
        try await sql.raw("SELECT id, version, document FROM flows WHERE id = \(bind: id.key)").first().map(storedFlow)
    }

    /// A flow for a change (or for deciding on one), with what the change needs to know besides: its
    /// organization (whose time zone the change's dates need), whether that has webhook endpoints (most have
    /// none, and then the change need not look them up), and the flow's members as users. One statement, as
    /// this runs for every change. Inside a transaction the flow's row (only it) is held until the transaction
    /// ends, so concurrent changes queue up; SQLite's single writer serializes them anyway. Outside one nothing
    /// is locked (a lock would be written to the row and dropped with the statement), and a save is checked:
    /// by the saving statement itself in a unit not yet begun (`Store.writeOptimistically`).
    ///
    /// `readBefore`, the same flow read earlier for this change (with its attempt, or to plan it), is taken instead of
    /// reading again when its save can be checked — in the first run of an optimistic unit, whose second run
    /// (after someone saved the flow meanwhile) reads afresh.
    public func flowForChange(_ reference: FlowReference, readBefore: FlowForChange? = nil) async throws -> FlowForChange? {
        let saveCheck: StoredFlow.SaveCheck =
            switch (sql as? PostgresStatements)?.transaction?.phase {
            case .begun: .lockedUntilCommit
            case .notBegun, .lastWriteNext: .inStatement
            case .ended, nil: .answered
            }
        if var readBefore, !readsAfresh, saveCheck != .lockedUntilCommit, reference == .flow(readBefore.stored.flow.id) {
            readBefore.stored.saveCheck = saveCheck
            return readBefore
        }
        let chosen: SQLQueryString =
            switch reference {
            case .flow(let id): "flows.id = \(bind: id.key)"
            case .action(let id): "flows.id = (SELECT flow_id FROM flow_actions WHERE action_id = \(bind: id.key))"
            }
        let lock: SQLQueryString = saveCheck == .lockedUntilCommit ? " FOR UPDATE OF flows" : ""
        return try await sql.raw(
            """
            SELECT \(flowForChangeColumns) FROM flows LEFT JOIN organizations ON organizations.id = flows.organization_id
            WHERE \(chosen)\(lock)
            """
        ).first().flatMap { try flowForChange(from: $0, saveCheck: saveCheck) }
    }

    /// What `flowForChange` reads, named apart from any other table's columns (`attemptWithFlow` reads them
    /// with an attempt's), from `flows` joined with `organizations`. The members come through a join, not
    /// `IN (SELECT …)`, which SQLite answers by building a temporary index on every read.
    var flowForChangeColumns: SQLQueryString {
        let members: SQLQueryString =
            engine == .postgres
            ? "json_agg(json_build_array(users.id, users.organization_id, users.email, users.name, users.role, users.locale))::text"
            : "json_group_array(json_array(users.id, users.organization_id, users.email, users.name, users.role, users.locale))"
        return """
            flows.id AS change_flow_id, flows.version AS change_version, flows.document AS change_document,
            organizations.id AS change_organization_id, organizations.name AS change_organization_name,
            organizations.time_zone AS change_organization_time_zone,
            \(Self.hasLiveWebhookEndpoints(organizationColumn: "flows.organization_id")) AS change_has_webhook_endpoints,
            (SELECT \(members) FROM flow_members JOIN users ON users.id = flow_members.user_id
                WHERE flow_members.flow_id = flows.id) AS change_members
            """
    }

    /// The flow of a row with `flowForChangeColumns`; nil when they are NULL (a `LEFT JOIN` that found none).
    func flowForChange(from row: any SQLRow, saveCheck: StoredFlow.SaveCheck = .answered) throws -> FlowForChange? {
        guard let id = try row.decode(column: "change_flow_id", as: String?.self) else { return nil }
        // The organization's columns are NULL when it is missing (the join is a LEFT JOIN).
        let organization =
            try row.optionalUUID("change_organization_id") == nil
            ? nil : Self.organization(from: row, prefix: "change_organization_")
        var stored = try storedFlow(
            id: id, document: try row.decode(column: "change_document", as: String.self),
            version: try row.decode(column: "change_version", as: Int.self))
        stored.saveCheck = saveCheck
        return FlowForChange(
            stored: stored, organization: organization,
            hasWebhookEndpoints: try row.decode(column: "change_has_webhook_endpoints", as: Bool.self),
            members: try Self.users(fromJSON: try row.decode(column: "change_members", as: String?.self), flowID: stored.flow.id))
    }

    /// Users written by `flowForChange` as JSON arrays of their columns (none: `NULL` on PostgreSQL), read
    /// from a `JSONTape`: this runs on every change, and `Codable` cost several times more.
    private static func users(fromJSON text: String?, flowID: UUID) throws -> [User] {
        guard let text else { return [] }
        let corrupt = { (reason: String) in StoreError.corruptRecord(entity: "flow members", id: flowID.uuidString, reason: reason) }
        let rows: [JSONTape.Element]
        do {
            guard let items = try JSONTape(parsing: text).root.items else { throw corrupt("the members are not a list") }
            rows = items
        } catch let error as JSONParseError {
            throw corrupt("\(error)")
        }
        return try rows.map { row in
            guard let columns = row.items, columns.count == 6, let id = columns[0].text.flatMap(UUID.init(text:)),
                let organizationID = columns[1].text.flatMap(UUID.init(text:)), let email = columns[2].text,
                let name = columns[3].text
            else { throw corrupt("a member is not a user's columns") }
            return User(
                id: id, organizationID: organizationID, email: email, name: name,
                role: columns[4].text.flatMap(UserRole.init(rawValue:)) ?? .client, locale: columns[5].text)
        }
    }

    /// Flows an actor may see: the organization's for internal users, their own for clients. Newest first.
    public func flows(visibleTo actor: Actor, limit: Int = 200) async throws -> [StoredFlow] {
        let rows: [any SQLRow]
        if actor.isInternal {
            rows = try await sql.raw(
                """
                SELECT id, version, document FROM flows WHERE organization_id = \(bind: actor.organizationID.key)
                ORDER BY created_at DESC LIMIT \(bind: limit)
                """
            ).all()
        } else {
            rows = try await sql.raw(
                """
                SELECT flows.id, flows.version, flows.document FROM flows
                JOIN flow_members ON flow_members.flow_id = flows.id
                WHERE flow_members.user_id = \(bind: actor.userID.key)
                ORDER BY flows.created_at DESC LIMIT \(bind: limit)
                """
            ).all()
        }
        return try rows.map(storedFlow)
    }

    func storedFlow(from row: any SQLRow) throws -> StoredFlow {
        try storedFlow(
            id: try row.decode(column: "id", as: String.self), document: try row.decode(column: "document", as: String.self),
            version: try row.decode(column: "version", as: Int.self))
    }

    func storedFlow(id: String, document: String, version: Int) throws -> StoredFlow {
        StoredFlow(
            flow: try memory.flows.value(id: id, text: document) { try FlowDocument.decode($0, id: id) },
            version: version)
    }
}
