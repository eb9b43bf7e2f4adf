import Foundation

/// One entry of a flow's timeline; the chat panel shows them as they happen.
public struct FlowEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case flowStarted
        case flowCompleted
        case flowCancelled
        case actionAssigned
        case actionDueSoon
        case actionOverdue
        case actionCompleted
        case actionApproved
        case actionRejected
        case actionSubmitted
        case actionSkipped
        case actionCancelled
        case actionInserted
        case verificationStarted
        case verificationSubmitted
        case verificationPassed
        case verificationFailed
        case verificationExpired
        case verificationAccepted
        case verificationDataDeleted
        case message
    }

    public var kind: Kind
    public var actionID: UUID?
    public var actorID: UUID?
    /// What the chat panel shows, in plain words.
    public var text: String
    public var data: [String: String]
    public var at: Date

    public init(
        kind: Kind, actionID: UUID? = nil, actorID: UUID? = nil, text: String, data: [String: String] = [:], at: Date
    ) {
        self.kind = kind
        self.actionID = actionID
        self.actorID = actorID
        self.text = text
        self.data = data
        self.at = at
    }
}
