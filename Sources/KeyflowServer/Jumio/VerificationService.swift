import Foundation
import JumioKit
import Keyflow
import KeyflowJSON
import KeyflowStore
import Logging
import Synchronization

/// Starts verification attempts, applies Jumio's decisions, and schedules the checks that recover lost
/// callbacks. The domain decides; this service fetches, stores and calls Jumio.
struct VerificationService: Sendable {
    let store: Store
    let flows: FlowService
    let gateway: JumioGateway
    let clock: AppClock
    let tokens: TokenGenerator
    let logger: Logger
    let starts = KeyedLock()
    /// Attempts read with their flows for a claimed batch of jobs (`prepare`), each taken by its job.
    let prepared = PreparedAttempts()
    /// Where a claimed batch's jobs write their results together (`prepare`), each attempt's job taking its seat.
    let gatherings = GatheringSeats()
    /// How long the first result of a batch waits for the others before they are written.
    static let gatheringPatience = Duration.milliseconds(25)

    static let queue = "jumio.verification"

    struct Started: Encodable {
        var attemptId: UUID
        var href: String
        var expiresAt: Date
    }

    /// *Start Verification*: the live attempt if there is one, else a new Jumio execution.
    func start(actionID: UUID, by actor: Actor, acceptLanguage: String?) async throws -> Started {
        try await starts.run(actionID) {
            let limit = gateway.configuration.attemptLimit
            let (read, context, actorLocale) = try await load(.action(actionID), for: actor)
            let flow = read.stored.flow
            let flowID = flow.id
            let plan = try flow.planVerification(actionID, by: actor, attemptLimit: limit, context: context)
            if case .reuse(let live) = plan { return Started(attemptId: live.id, href: live.href, expiresAt: live.expiresAt) }
            guard case .start(let number, let accountID) = plan, let action = flow.action(actionID),
                let settings = action.definition.jumio
            else { throw APIError.conflict("this action cannot start a verification") }
            let (region, connection) = try await gateway.connection(
                for: settings, organizationID: flow.organizationID, store: store)
            let attemptID = UUID.random()
            let callbackToken = tokens.make()
            let callbackURL = "\(gateway.address.url)/hooks/jumio/\(callbackToken)"
            if let problem = gateway.callbackProblem(callbackURL, region: region) { throw APIError.conflict(problem) }
            let preferred = [actorLocale].compactMap { $0 } + (acceptLanguage?.split(separator: ",").map(String.init) ?? [])
            let request = JumioAccountRequest(
                customerInternalReference: "keyflow-\(attemptID.text(uppercase: false))",
                workflowKey: gateway.workflowKey(settings.workflowType),
                userReference: actor.userID.text(uppercase: false), callbackUrl: callbackURL,
                tokenLifetime: gateway.configuration.tokenLifetime,
                web: JumioAccountRequest.Web(locale: JumioGateway.locale(preferred: preferred)))
            let response: JumioAccountResponse
            do {
                response =
                    if let accountID {
                        try await gateway.client.updateAccount(accountID, request, on: connection)
                    } else {
                        try await gateway.client.createAccount(request, on: connection)
                    }
            } catch let error as JumioError {
                logger.warning("Jumio refused to start a verification", metadata: ["action": "\(actionID)", "error": "\(error)"])
                throw Self.apiError(error)
            }
            guard let href = response.web?.href else {
                throw APIError(
                    status: .badGateway, code: "jumio_no_web_link",
                    message: "Jumio returned no web link; set the domain prefix in the Jumio Portal (Settings → Application Settings)")
            }
            let now = clock.now()
            let lifetime = JumioAccountRequest.tokenLifetimeSeconds(gateway.configuration.tokenLifetime) ?? 1800
            let attempt = VerificationAttempt(
                id: attemptID, number: number, accountID: response.account.id, executionID: response.workflowExecution.id,
                href: href, expiresAt: now.addingTimeInterval(Double(lifetime)), startedAt: now)
            let record = AttemptRecord(
                id: attemptID, organizationID: flow.organizationID, flowID: flowID, actionID: actionID,
                dataCenter: region.rawValue, accountID: attempt.accountID, executionID: attempt.executionID, open: true,
                createdAt: now, nextCheckAt: now.addingTimeInterval(gateway.configuration.reconcileAfter), checkCount: 0)
            _ = try await flows.change(.flow(flowID), visibleTo: actor, readBefore: read, alsoWrite: { _, db in
                try await db.insertAttempt(record, callbackToken: callbackToken)
            }) { flow, context, _ in
                try flow.recordVerificationStarted(actionID, attempt: attempt, by: actor, context: context)
            }
            logger.info(
                "verification started",
                metadata: ["action": "\(actionID)", "attempt": "\(attemptID)", "execution": "\(attempt.executionID)"])
            return Started(attemptId: attempt.id, href: attempt.href, expiresAt: attempt.expiresAt)
        }
    }

    /// Asks Jumio's retrieval API where an attempt stands and applies it. Returns whether the attempt is
    /// finished; `requireFinal` (a callback said it is) makes a not-yet-final answer an error to retry.
    /// `expectProcessed` (the callback said PROCESSED) asks for the details at once, whose answer carries the
    /// status too, saving the status call; the callback itself is never believed. A job's `completion` is
    /// recorded in the transaction that applies the result. A job claimed with others writes its result with
    /// theirs when it can (`ChangeGathering`).
    @discardableResult
    func process(
        attemptID: UUID, requireFinal: Bool, expectProcessed: Bool = false, completion: JobCompletion? = nil
    ) async throws -> Bool {
        let gathering = gatherings.take(attemptID)
        var offered = false
        defer { if !offered { gathering?.leave() } }
        var found = prepared.take(attemptID)
        if found == nil { found = try await store.read { try await $0.attemptWithFlow(attemptID) } }
        guard let (record, read) = found else { return true }
        guard record.open else {
            // Already decided (by an earlier callback or the reconciler): a late or repeated callback has
            // nothing left to do (and counts as dealt with since the decision).
            if let completion {
                let now = clock.now()
                try await store.write { try await completion.record(in: $0, at: now) }
            }
            return true
        }
        guard let settings = read?.stored.flow.action(record.actionID)?.definition.jumio else { return true }
        let connection = try await gateway.connection(for: settings, organizationID: record.organizationID, store: store).1
        let (execution, details) = try await retrieve(record, on: connection, expectProcessed: expectProcessed)
        let result = JumioGateway.result(status: execution, details: details)
        guard result.outcome != .pending else {
            if requireFinal { throw NotFinalYet(status: execution.rawValue) }
            return false
        }
        let limit = gateway.configuration.attemptLimit
        let now = clock.now()
        let decide: @Sendable (inout Flow, FlowContext) -> [FlowEvent] = { flow, context in
            flow.applyVerification(record.actionID, attemptID: attemptID, result: result, attemptLimit: limit, context: context)
        }
        var together = false
        if let gathering, let read {
            offered = true
            together = await gathering.offer(
                FlowService.PendingChange(readBefore: read, attemptID: attemptID, completion: completion, decide: decide))
        }
        if !together {
            _ = try await flows.change(.flow(record.flowID), visibleTo: nil, readBefore: read, alsoWrite: { _, db in
                try await db.closeAttempt(attemptID, at: now)
                try await completion?.record(in: db, at: now)
            }) { flow, context, _ in decide(&flow, context) }
        }
        logger.info("verification result applied", metadata: ["attempt": "\(attemptID)", "outcome": "\(result.outcome.rawValue)"])
        return true
    }

    /// Reads the attempts of a claimed batch of verification jobs with their flows in one statement, for each
    /// job to take instead of reading its own: a job reads first, and a batch's jobs start together. On
    /// PostgreSQL that saves a round trip per job (bench/callgrind: −7.6 % of the server's instructions per
    /// verification); on SQLite, where a read costs none, it saved nothing, so there each job reads its own. A
    /// job that finds nothing here (alone in its batch, or the read failed) reads for itself.
    func prepare(_ jobs: [Job]) async {
        guard store.engine == .postgres else { return }
        let ids = jobs.compactMap { try? VerificationJob.decode($0.payload).attemptID }
        guard ids.count > 1 else { return }
        let distinct = Set(ids)
        if distinct.count > 1 {
            gatherings.keep(
                distinct,
                ChangeGathering(jobs: distinct.count, flows: flows, patience: Self.gatheringPatience, logger: logger))
        }
        do {
            prepared.keep(try await store.read { try await $0.attemptsWithFlows(ids) })
        } catch {
            logger.warning("reading a batch's attempts failed; each job reads its own", metadata: ["error": "\(error)"])
        }
    }

    /// The execution's status, and its details once it is PROCESSED.
    private func retrieve(_ record: AttemptRecord, on connection: JumioConnection, expectProcessed: Bool) async throws
        -> (JumioExecutionStatus, JumioExecutionDetails?)
    {
        let client = gateway.client
        if expectProcessed {
            let details = try await client.details(accountID: record.accountID, executionID: record.executionID, on: connection)
            if let status = details.workflow?.status { return (status, status == .processed ? details : nil) }
        }
        let status = try await client.status(accountID: record.accountID, executionID: record.executionID, on: connection)
            .workflowExecution.status
        guard status == .processed else { return (status, nil) }
        return (status, try await client.details(accountID: record.accountID, executionID: record.executionID, on: connection))
    }

    struct NotFinalYet: Error, CustomStringConvertible {
        var status: String
        var description: String { "Jumio's retrieval API still shows \(status); will look again" }
    }

    /// The flow as read for a change (the change that records the attempt takes it), what its decisions need,
    /// and the locale the actor chose (Jumio's pages are shown in it). The flow comes with its organization and
    /// members in one statement; only people who are not members are read besides.
    private func load(_ reference: FlowReference, for actor: Actor) async throws
        -> (FlowForChange, FlowContext, actorLocale: String?)
    {
        try await store.read { db in
            guard let read = try await db.flowForChange(reference), Access.canView(read.stored.flow, as: actor) else {
                throw reference.notFound
            }
            let flow = read.stored.flow
            let people = try await FlowService.people(of: flow, extra: [actor.userID], known: read.members, in: db)
            let context = FlowService.context(people: people, organization: read.organization, now: clock.now())
            return (read, context, people[actor.userID]?.locale)
        }
    }

    /// What the assignee is told when Jumio cannot start a verification; the details go to the log.
    static func apiError(_ error: JumioError) -> APIError {
        switch error {
        case .badCredentials, .permissionDenied:
            APIError(
                status: .badGateway, code: "jumio_configuration",
                message: "this verification is not set up correctly (Jumio refused the credentials); the workspace owner needs to fix it")
        case .rateLimited, .unavailable:
            APIError(
                status: .serviceUnavailable, code: "jumio_unavailable",
                message: "Jumio is not reachable right now; please try again in a few minutes")
        case .invalidRequest(let detail), .notFound(let detail), .invalidResponse(let detail):
            APIError(status: .badGateway, code: "jumio_error", message: "Jumio could not start the verification: \(detail)")
        }
    }
}

/// The gathering of each attempt whose job was claimed with others, each taken once.
final class GatheringSeats: Sendable {
    private let seats = Mutex<[UUID: ChangeGathering]>([:])

    func keep(_ attemptIDs: Set<UUID>, _ gathering: ChangeGathering) {
        seats.withLock { seats in
            for id in attemptIDs { seats[id] = gathering }
        }
    }

    func take(_ attemptID: UUID) -> ChangeGathering? {
        seats.withLock { $0.removeValue(forKey: attemptID) }
    }
}

/// Attempts read ahead for their jobs, each taken once.
final class PreparedAttempts: Sendable {
    typealias Read = (attempt: AttemptRecord, flow: FlowForChange?)

    private let reads = Mutex<[UUID: Read]>([:])

    func keep(_ found: [UUID: Read]) {
        reads.withLock { $0.merge(found) { _, new in new } }
    }

    func take(_ attemptID: UUID) -> Read? {
        reads.withLock { $0.removeValue(forKey: attemptID) }
    }
}
