import Foundation
import Hummingbird
import JumioKit
import Keyflow
import KeyflowStore

/// The Jumio action's API: start a verification (the assignee), report the journey done, accept a result (an
/// internal user), test credentials, saved connections, and deleting a flow's verification data.
struct VerificationController {
    let store: Store
    let flows: FlowService
    let verifications: VerificationService
    let retention: RetentionService
    let gateway: JumioGateway
    let clock: AppClock
    let audit: AuditTrail

    func addRoutes(to api: RouterGroup<KeyflowRequestContext>) {
        api.post("actions/:id/verification", use: start)
        api.post("actions/:id/verification/submitted", use: submitted)
        api.post("actions/:id/verification/accept", use: accept)
        api.post("jumio/test-connection", use: testConnection)
        api.get("jumio/connections", use: listConnections)
        api.post("jumio/connections", use: createConnection)
        api.post("flows/:id/verification-data/delete", use: deleteData)
    }

    @Sendable func start(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let actionID = try context.id("id", of: "action")
        let started = try await verifications.start(
            actionID: actionID, by: actor, acceptLanguage: request.headers[.acceptLanguage])
        return try JSONBody.response(started, status: .created)
    }

    struct SubmittedRequest: Decodable { var attemptId: UUID }

    @Sendable func submitted(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let actionID = try context.id("id", of: "action")
        let attemptID = try await JSONBody.decode(SubmittedRequest.self, from: request).attemptId
        _ = try await flows.change(.action(actionID), by: actor) { flow, ctx in
            try flow.recordVerificationSubmitted(actionID, attemptID: attemptID, by: actor, context: ctx)
        }
        return Response(status: .noContent)
    }

    @Sendable func accept(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let actionID = try context.id("id", of: "action")
        let comment = try await JSONBody.decode(CommentRequest.self, from: request).comment ?? ""
        let audit = self.audit
        let outcome = try await flows.change(
            .action(actionID), visibleTo: actor,
            alsoWrite: { flow, db in
                try await audit.record(
                    .verificationAccepted, organizationID: flow.organizationID, actorID: actor.userID,
                    subject: actionID.uuidString, details: ["comment": comment], context: context, in: db)
            }
        ) { flow, ctx, _ in
            try flow.acceptVerification(actionID, by: actor, comment: comment, context: ctx)
        }
        return try JSONBody.response(FlowView(outcome.flow, people: outcome.people, now: clock.now()))
    }

    struct TestConnectionRequest: Decodable {
        var dataCenter: VerificationRegion?
        var clientId: String?
        var clientSecret: String?
        var actionId: UUID?
        var connectionId: UUID?
    }

    struct TestConnectionResult: Encodable {
        var result: String
        var message: String
    }

    /// Asks Jumio for a token with the given (or stored) credentials: ok, badCredentials or unreachable.
    @Sendable func testConnection(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard actor.isInternal else { throw APIError.forbidden("only internal users configure Jumio") }
        let input = try await JSONBody.decode(TestConnectionRequest.self, from: request)
        let connection = try await connection(for: input, actor: actor)
        let result: TestConnectionResult
        do {
            // A person is waiting for the answer: an unreachable Jumio is reported after a few seconds instead of
            // after every retry (the call left behind is cancelled, not awaited).
            try await Self.within(Self.testConnectionBudget) { try await gateway.client.verifyCredentials(connection) }
            result = .init(result: "ok", message: "Jumio accepted these credentials")
        } catch JumioError.badCredentials, JumioError.permissionDenied {
            result = .init(
                result: "badCredentials",
                message: "Jumio refused the client ID or secret; copy them again from Settings → API credentials → OAuth2 Clients")
        } catch {
            result = .init(result: "unreachable", message: "Jumio could not be reached: \(error)")
        }
        return try JSONBody.response(result)
    }

    static let testConnectionBudget: Duration = .seconds(6)

    /// The operation's answer, or `JumioError.unavailable` once `budget` has passed, whichever comes first.
    static func within(_ budget: Duration, _ operation: @escaping @Sendable () async throws -> Void) async throws {
        let (stream, continuation) = AsyncThrowingStream<Void, any Error>.makeStream()
        let work = Task {
            do {
                try await operation()
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        let timer = Task {
            try? await Task.sleep(for: budget)
            continuation.finish(throwing: JumioError.unavailable("no answer within \(budget)"))
        }
        defer {
            work.cancel()
            timer.cancel()
        }
        for try await _ in stream {}
    }

    private func connection(for input: TestConnectionRequest, actor: Actor) async throws -> JumioConnection {
        if let actionID = input.actionId {
            let settings = try await store.read { db in
                guard let stored = try await db.flowForChange(.action(actionID))?.stored, Access.canManage(stored.flow, as: actor),
                    let settings = stored.flow.action(actionID)?.definition.jumio
                else { throw APIError.notFound("no Jumio action \(actionID)") }
                return settings
            }
            return try await gateway.connection(for: settings, organizationID: actor.organizationID, store: store).connection
        }
        if let connectionID = input.connectionId {
            let settings = JumioSettings(dataCenter: .us, workflowType: .idVerification, connectionID: connectionID)
            return try await gateway.connection(for: settings, organizationID: actor.organizationID, store: store).connection
        }
        guard let region = input.dataCenter else { throw APIError.invalid("choose a data center", field: "dataCenter") }
        guard let clientID = input.clientId, !clientID.isEmpty else {
            throw APIError.invalid("enter the Jumio client ID", field: "clientId")
        }
        guard let secret = input.clientSecret, !secret.isEmpty else {
            throw APIError.invalid("enter the Jumio client secret", field: "clientSecret")
        }
        return JumioConnection(
            endpoints: try gateway.endpoints(for: region), credentials: .init(clientID: clientID, clientSecret: secret))
    }

    struct ConnectionInput: Decodable {
        var name: String
        var dataCenter: VerificationRegion
        var clientId: String
        var clientSecret: String
    }

    struct ConnectionView: Encodable {
        var id: UUID
        var name: String
        var dataCenter: String
        var clientId: String
        var clientSecretSet: Bool
        var createdAt: Date

        init(_ record: JumioConnectionRecord) {
            id = record.id
            name = record.name
            dataCenter = record.dataCenter
            clientId = record.clientID
            clientSecretSet = !record.sealedSecret.isEmpty
            createdAt = record.createdAt
        }
    }

    @Sendable func listConnections(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard actor.isInternal else { throw APIError.forbidden("only internal users see Jumio connections") }
        let records = try await store.read { try await $0.jumioConnections(in: actor.organizationID) }
        return try JSONBody.response(ListView(items: records.map(ConnectionView.init)))
    }

    @Sendable func createConnection(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard actor.role == .admin else { throw APIError.forbidden("only admins save Jumio connections") }
        let input = try await JSONBody.decode(ConnectionInput.self, from: request)
        try Naming.validateName(input.name, what: "connection name", field: "name")
        guard !input.clientId.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError.invalid("enter the Jumio client ID", field: "clientId")
        }
        guard !input.clientSecret.isEmpty else { throw APIError.invalid("enter the Jumio client secret", field: "clientSecret") }
        _ = try gateway.endpoints(for: input.dataCenter)
        let record = JumioConnectionRecord(
            id: UUID.random(), organizationID: actor.organizationID, name: input.name, dataCenter: input.dataCenter.rawValue,
            clientID: input.clientId, sealedSecret: try gateway.seal(input.clientSecret), createdAt: clock.now())
        try await store.write { db in
            try await db.insert(record, createdBy: actor.userID)
            try await audit.record(
                .jumioConnectionCreated, organizationID: actor.organizationID, actorID: actor.userID,
                subject: record.id.uuidString, details: ["dataCenter": record.dataCenter, "clientId": record.clientID],
                context: context, in: db)
        }
        return try JSONBody.response(ConnectionView(record), status: .created)
    }

    /// Deletes a flow's verification data at Jumio now and keeps only decisions and dates here.
    @Sendable func deleteData(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let flowID = try context.id("id", of: "flow")
        guard let stored = try await store.read({ try await $0.flow(flowID) }), Access.canView(stored.flow, as: actor)
        else { throw APIError.notFound("no flow \(flowID)") }
        guard Access.canManage(stored.flow, as: actor) else {
            throw APIError.forbidden("only internal users can delete verification data")
        }
        let deleted = try await retention.purge(flowID: flowID, actor: actor)
        try await store.write { db in
            try await audit.record(
                .verificationDataDeleted, organizationID: actor.organizationID, actorID: actor.userID,
                subject: flowID.uuidString, details: ["jumioAccounts": String(deleted)], context: context, in: db)
        }
        return try JSONBody.response(["deletedAccounts": deleted])
    }
}
