import Foundation
import Keyflow
import Testing

@Suite("The Jumio action's verification policy")
struct VerificationTests {
    let world = World()

    func flow() throws -> Flow {
        let template = world.template([
            ActionDefinition(
                type: .jumio, title: "Verify your identity", assignee: .role("Client"),
                jumio: JumioSettings(dataCenter: .eu, workflowType: .idVerification, clientID: "c", sealedSecret: "sealed")),
            ActionDefinition(
                type: .todo, title: "Welcome {{actions.1.outputs.firstName}}", assignee: .user(world.owner.id)),
        ])
        return try Flow.start(
            from: template, name: "KYC", owner: world.owner.id,
            members: [FlowMember(userID: world.client.id, role: "Client")], variables: [:], context: world.context()
        ).flow
    }

    func attempt(_ number: Int, minutes: Double = 30) -> VerificationAttempt {
        VerificationAttempt(
            number: number, accountID: "acc-1", executionID: "exe-\(number)", href: "https://web/\(number)",
            expiresAt: world.now.addingTimeInterval(minutes * 60), startedAt: world.now)
    }

    let passed = VerificationResult(
        outcome: .passed, label: "PASSED", riskScore: 12.5, capabilities: ["usability": "PASSED", "extraction": "PASSED"],
        documentType: "ID_CARD", issuingCountry: "CHE", firstName: "JANE", lastName: "SAMPLE", dateOfBirth: "1990-04-12",
        documentNumber: "C4X72R9K1")

    @Test("a Jumio action needs its details, with the field named")
    func validation() {
        let missing = ActionDefinition(type: .jumio, title: "Verify", assignee: .role("Client"))
        #expect(throws: DomainError.invalid("a Jumio action needs its Jumio details", field: "a.jumio")) {
            try missing.validate(field: "a", scope: ReferenceScope(roles: ["Client"], variables: [], earlierActions: []))
        }
        let noSecret = ActionDefinition(
            type: .jumio, title: "Verify", assignee: .role("Client"),
            jumio: JumioSettings(dataCenter: .us, workflowType: .idVerification, clientID: "c"))
        #expect(throws: DomainError.invalid("enter the Jumio client secret", field: "a.jumio.clientSecret")) {
            try noSecret.validate(field: "a", scope: ReferenceScope(roles: ["Client"], variables: [], earlierActions: []))
        }
    }

    @Test("only the assignee starts; a live attempt is handed back instead of a second one")
    func planning() throws {
        var flow = try flow()
        let id = flow.actions[0].id
        #expect(throws: DomainError.self) {
            try flow.planVerification(id, by: world.ownerActor, attemptLimit: 3, context: world.context())
        }
        #expect(try flow.planVerification(id, by: world.clientActor, attemptLimit: 3, context: world.context()) == .start(number: 1, accountID: nil))
        let first = attempt(1)
        _ = try flow.recordVerificationStarted(id, attempt: first, by: world.clientActor, context: world.context())
        #expect(try flow.planVerification(id, by: world.clientActor, attemptLimit: 3, context: world.context()) == .reuse(first))
        let later = world.context(at: world.now.addingTimeInterval(31 * 60))
        #expect(try flow.planVerification(id, by: world.clientActor, attemptLimit: 3, context: later) == .start(number: 2, accountID: "acc-1"))
    }

    @Test("a pass completes the action with masked outputs and the flow moves on")
    func pass() throws {
        var flow = try flow()
        let id = flow.actions[0].id
        let first = attempt(1)
        _ = try flow.recordVerificationStarted(id, attempt: first, by: world.clientActor, context: world.context())
        let events = flow.applyVerification(id, attemptID: first.id, result: passed, attemptLimit: 3, context: world.context())
        #expect(events.map(\.kind) == [.verificationPassed, .actionCompleted, .actionAssigned])
        #expect(flow.statuses == [.completed, .active])
        #expect(flow.actions[0].outputs["documentNumber"] == .text("••••R9K1"))
        #expect(flow.actions[0].outputs["decision"] == .text("PASSED"))
        #expect(flow.actions[1].title == "Welcome JANE")
        // the same news again changes nothing
        #expect(flow.applyVerification(id, attemptID: first.id, result: passed, attemptLimit: 3, context: world.context()).isEmpty)
    }

    @Test("a rejection keeps the action open, says why, and counts toward the limit")
    func rejection() throws {
        var flow = try flow()
        let id = flow.actions[0].id
        let rejected = VerificationResult(
            outcome: .rejected, label: "DIGITAL_COPY", riskScore: 95,
            capabilities: ["usability": "PASSED", "imageChecks": "REJECTED: DIGITAL_COPY", "extraction": "NOT_EXECUTED: PRECONDITION_NOT_FULFILLED"])
        for number in 1...2 {
            let attempt = attempt(number)
            _ = try flow.recordVerificationStarted(id, attempt: attempt, by: world.clientActor, context: world.context())
            let events = flow.applyVerification(id, attemptID: attempt.id, result: rejected, attemptLimit: 2, context: world.context())
            #expect(events.map(\.kind) == [.verificationFailed])
            #expect(events[0].text.contains("imageChecks: REJECTED: DIGITAL_COPY"))
            #expect(events[0].data["ownerId"] == world.owner.id.uuidString)
        }
        #expect(flow.statuses == [.active, .pending])
        #expect(throws: DomainError.self) {
            try flow.planVerification(id, by: world.clientActor, attemptLimit: 2, context: world.context())
        }
        // the owner accepts the result with a comment
        #expect(throws: DomainError.self) { try flow.acceptVerification(id, by: world.clientActor, comment: "ok", context: world.context()) }
        #expect(throws: DomainError.self) { try flow.acceptVerification(id, by: world.ownerActor, comment: " ", context: world.context()) }
        let accepted = try flow.acceptVerification(id, by: world.ownerActor, comment: "checked the passport in person", context: world.context())
        #expect(accepted.map(\.kind) == [.verificationAccepted, .actionCompleted, .actionAssigned])
        #expect(flow.actions[0].verification?.acceptedBy == world.owner.id)
    }

    @Test("an expired attempt ends and a new one can start; news for a cancelled action is ignored")
    func expiryAndCancellation() throws {
        var flow = try flow()
        let id = flow.actions[0].id
        let first = attempt(1)
        _ = try flow.recordVerificationStarted(id, attempt: first, by: world.clientActor, context: world.context())
        let events = flow.applyVerification(
            id, attemptID: first.id, result: VerificationResult(outcome: .expired), attemptLimit: 3, context: world.context())
        #expect(events.map(\.kind) == [.verificationExpired])
        #expect(try flow.planVerification(id, by: world.clientActor, attemptLimit: 3, context: world.context()) == .start(number: 2, accountID: "acc-1"))
        let second = attempt(2)
        _ = try flow.recordVerificationStarted(id, attempt: second, by: world.clientActor, context: world.context())
        _ = try flow.cancelAction(id, by: world.ownerActor, reason: "verified by phone", context: world.context())
        #expect(flow.applyVerification(id, attemptID: second.id, result: passed, attemptLimit: 3, context: world.context()).isEmpty)
        #expect(flow.actions[0].status == .cancelled)
        #expect(flow.actions[0].outputs.isEmpty)
    }

    @Test("a pending result changes nothing")
    func pending() throws {
        var flow = try flow()
        let id = flow.actions[0].id
        let first = attempt(1)
        _ = try flow.recordVerificationStarted(id, attempt: first, by: world.clientActor, context: world.context())
        #expect(flow.applyVerification(id, attemptID: first.id, result: VerificationResult(outcome: .pending), attemptLimit: 3, context: world.context()).isEmpty)
        _ = try flow.recordVerificationSubmitted(id, attemptID: first.id, by: world.clientActor, context: world.context())
        #expect(flow.actions[0].verification?.latest?.status == .submitted)
    }
}
