/// The kinds of work a flow can ask for.
///
/// Human actions complete when a person acts; integration actions (Jumio) carry settings and secrets of their
/// own and complete when the vendor reports a result.
public enum ActionType: String, Codable, Sendable, CaseIterable {
    case todo
    case acknowledgement
    case approval
    case form
    /// Identity verification through Jumio: completes by itself when Jumio reports a pass.
    case jumio

    public var displayName: String {
        switch self {
        case .todo: "To-Do"
        case .acknowledgement: "Acknowledgement"
        case .approval: "Approval"
        case .form: "Form"
        case .jumio: "Jumio"
        }
    }

    /// Integration actions talk to a vendor, take exactly one assignee and carry settings and secrets of their own.
    public var isIntegration: Bool { self == .jumio }

    /// Whether the generic "complete" act finishes this type (approvals and forms have acts of their own).
    public var completesByMarkingDone: Bool { self == .todo || self == .acknowledgement }
}

/// Who must act: one user, or one template role that the flow binds to a member.
public enum Assignee: Codable, Sendable, Equatable, Hashable {
    case user(UUID)
    case role(String)

    enum CodingKeys: String, CodingKey { case userId, role }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let user = try container.decodeIfPresent(UUID.self, forKey: .userId)
        let role = try container.decodeIfPresent(String.self, forKey: .role)
        switch (user, role) {
        case (let user?, nil): self = .user(user)
        case (nil, let role?): self = .role(role)
        default:
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "an assignee is either {\"userId\": …} or {\"role\": …}, exactly one of them"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .user(let id): try container.encode(id, forKey: .userId)
        case .role(let role): try container.encode(role, forKey: .role)
        }
    }
}

import Foundation
