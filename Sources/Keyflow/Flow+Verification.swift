import Foundation
import KeyflowJSON

extension Flow {
    /// What *Start Verification* should do: hand back the attempt still running (double clicks never start
    /// two), or start attempt `number`, on the action's Jumio account when it has one.
    public enum VerificationPlan: Sendable, Equatable {
        case reuse(VerificationAttempt)
        case start(number: Int, accountID: String?)
    }

    public func planVerification(
        _ actionID: UUID, by actor: Actor, attemptLimit: Int, context: FlowContext
    ) throws(DomainError) -> VerificationPlan {
        let index = try activeActionIndex(actionID, actingAs: actor, context: context, type: .jumio)
        let state = actions[index].verification ?? VerificationState()
        if let live = state.attempts.last(where: { $0.isLive(at: context.now) }) { return .reuse(live) }
        guard state.attempts.count < attemptLimit else {
            throw .conflict(
                "all \(attemptLimit) verification attempts are used; the workspace owner can accept the last result or cancel the action")
        }
        let account = state.attempts.last { !$0.accountID.isEmpty }?.accountID
        return .start(number: state.attempts.count + 1, accountID: account)
    }

    public mutating func recordVerificationStarted(
        _ actionID: UUID, attempt: VerificationAttempt, by actor: Actor, context: FlowContext
    ) throws(DomainError) -> [FlowEvent] {
        let index = try activeActionIndex(actionID, actingAs: actor, context: context, type: .jumio)
        var state = actions[index].verification ?? VerificationState()
        state.attempts.append(attempt)
        actions[index].verification = state
        return [
            FlowEvent(
                kind: .verificationStarted, actionID: actionID, actorID: actor.userID,
                text: "\(context.name(of: actor.userID)) started identity verification"
                    + (attempt.number > 1 ? " (attempt \(attempt.number))" : ""),
                data: ["attemptId": attempt.id.text(uppercase: true)], at: context.now)
        ]
    }

    /// The journey reported that the documents were handed over; Jumio decides next.
    public mutating func recordVerificationSubmitted(
        _ actionID: UUID, attemptID: UUID, by actor: Actor, context: FlowContext
    ) throws(DomainError) -> [FlowEvent] {
        let index = try activeActionIndex(actionID, actingAs: actor, context: context, type: .jumio)
        guard let attemptIndex = actions[index].verification?.attempts.firstIndex(where: { $0.id == attemptID }) else {
            throw .notFound("no verification attempt \(attemptID) on this action")
        }
        guard actions[index].verification?.attempts[attemptIndex].status == .started else { return [] }
        actions[index].verification?.attempts[attemptIndex].status = .submitted
        return [
            FlowEvent(
                kind: .verificationSubmitted, actionID: actionID, actorID: actor.userID,
                text: "\(context.name(of: actor.userID)) submitted their documents; Jumio is verifying them",
                data: ["attemptId": attemptID.text(uppercase: true)], at: context.now)
        ]
    }

    /// Applies what Jumio decided. A pass completes the action and the flow moves on; a rejection or warning
    /// keeps it open for another attempt or the owner's decision; an expiry ends the attempt. News about a
    /// finished attempt, or an action no longer active, changes nothing.
    public mutating func applyVerification(
        _ actionID: UUID, attemptID: UUID, result: VerificationResult, attemptLimit: Int, context: FlowContext
    ) -> [FlowEvent] {
        guard status == .active, let index = index(of: actionID), actions[index].status == .active,
            let attemptIndex = actions[index].verification?.attempts.firstIndex(where: { $0.id == attemptID }),
            let attempt = actions[index].verification?.attempts[attemptIndex], !attempt.status.isFinal
        else { return [] }
        let assignee = context.name(of: assigneeID(of: actions[index]))
        let title = actions[index].title
        var updated = attempt
        updated.finishedAt = context.now
        updated.label = result.label
        updated.riskScore = result.riskScore
        updated.reasons = result.reasons
        updated.results = result.outputs(at: context.now)
        let data = [
            "attemptId": attemptID.text(uppercase: true), "ownerId": ownerID.text(uppercase: true),
            "decision": result.outcome.rawValue,
        ]
        switch result.outcome {
        case .pending:
            return []
        case .passed:
            updated.status = .passed
            actions[index].verification?.attempts[attemptIndex] = updated
            actions[index].outputs = updated.results
            actions[index].status = .completed
            actions[index].completedAt = context.now
            return [
                FlowEvent(
                    kind: .verificationPassed, actionID: actionID, text: "Jumio verified \(assignee)'s identity",
                    data: data, at: context.now),
                FlowEvent(kind: .actionCompleted, actionID: actionID, text: "“\(title)” is complete", at: context.now),
            ] + advance(context: context)
        case .rejected, .warning:
            updated.status = result.outcome == .rejected ? .rejected : .warning
            actions[index].verification?.attempts[attemptIndex] = updated
            let left = attemptLimit - (actions[index].verification?.attempts.count ?? 0)
            let next = left > 0 ? "\(assignee) can try again (\(left) attempt\(left == 1 ? "" : "s") left)" : "no attempts are left"
            let why = updated.reasons.isEmpty ? (result.label ?? "no reason given") : updated.reasons.joined(separator: "; ")
            return [
                FlowEvent(
                    kind: .verificationFailed, actionID: actionID,
                    text: "Jumio's decision on \(assignee)'s verification is \(result.outcome.rawValue.uppercased()) (\(why)); \(next), or the owner can accept the result",
                    data: data.merging(["label": result.label ?? ""]) { $1 }, at: context.now)
            ]
        case .expired:
            updated.status = .expired
            actions[index].verification?.attempts[attemptIndex] = updated
            return [
                FlowEvent(
                    kind: .verificationExpired, actionID: actionID,
                    text: "\(assignee)'s verification link expired before it was finished; they can start again",
                    data: data, at: context.now)
            ]
        }
    }

    /// An internal user accepts a WARNING or REJECTED result with a comment; the action completes with it.
    public mutating func acceptVerification(
        _ actionID: UUID, by actor: Actor, comment: String, context: FlowContext
    ) throws(DomainError) -> [FlowEvent] {
        guard Access.canManage(self, as: actor) else {
            throw .forbidden("only internal users can accept a verification result")
        }
        try requireRunning()
        guard let index = index(of: actionID), actions[index].type == .jumio else {
            throw .notFound("no Jumio action \(actionID) in this flow")
        }
        guard actions[index].status == .active else {
            throw .conflict("“\(actions[index].title)” is \(actions[index].status.rawValue)")
        }
        guard let latest = actions[index].verification?.latest, latest.status == .warning || latest.status == .rejected
        else { throw .conflict("there is no WARNING or REJECTED result to accept") }
        guard !comment.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .invalid("say why the result is acceptable: a comment is required", field: "comment")
        }
        let comment = try Self.checkedComment(comment, required: true) ?? ""
        actions[index].verification?.acceptedBy = actor.userID
        actions[index].verification?.acceptanceComment = comment
        actions[index].outputs = latest.results.merging(["acceptedComment": .text(comment)]) { $1 }
        actions[index].status = .completed
        actions[index].completedAt = context.now
        actions[index].completedBy = actor.userID
        return [
            FlowEvent(
                kind: .verificationAccepted, actionID: actionID, actorID: actor.userID,
                text: "\(context.name(of: actor.userID)) accepted the \(latest.status.rawValue.uppercased()) verification result: \(comment)",
                data: ["attemptId": latest.id.text(uppercase: true), "comment": comment], at: context.now),
            FlowEvent(kind: .actionCompleted, actionID: actionID, actorID: actor.userID,
                text: "“\(actions[index].title)” is complete", at: context.now),
        ] + advance(context: context)
    }
}

extension Flow {
    /// After the retention period (or at the owner's request) the Jumio account is deleted and only the
    /// decision and dates stay: extracted personal data, journey links and account ids are dropped.
    public mutating func reduceVerificationData(_ actionID: UUID, by actorID: UUID?, context: FlowContext) -> [FlowEvent] {
        guard let index = index(of: actionID), var state = actions[index].verification else { return [] }
        let kept: Set<String> = ["decision", "verifiedAt"]
        actions[index].outputs = actions[index].outputs.filter { kept.contains($0.key) }
        for attempt in state.attempts.indices {
            state.attempts[attempt].results = state.attempts[attempt].results.filter { kept.contains($0.key) }
            state.attempts[attempt].href = ""
            state.attempts[attempt].accountID = ""
            state.attempts[attempt].executionID = ""
        }
        actions[index].verification = state
        return [
            FlowEvent(
                kind: .verificationDataDeleted, actionID: actionID, actorID: actorID,
                text: "The verification data of “\(actions[index].title)” was deleted at Jumio; only the decision and dates are kept",
                at: context.now)
        ]
    }
}
