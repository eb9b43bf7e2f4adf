import Foundation

/// One customer tenant. Every template, flow and user belongs to exactly one.
public struct Organization: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var name: String
    /// IANA identifier; due dates are computed on this organization's calendar.
    public var timeZone: String

    public init(id: UUID = UUID.random(), name: String, timeZone: String = "UTC") {
        self.id = id
        self.name = name
        self.timeZone = timeZone
    }
}

public enum UserRole: String, Codable, Sendable, CaseIterable {
    case admin
    case member
    case client

    public var isInternal: Bool { self != .client }
}

public struct User: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var organizationID: UUID
    public var email: String
    public var name: String
    public var role: UserRole
    /// BCP 47 language tag the user prefers, when known.
    public var locale: String?

    public init(
        id: UUID = UUID.random(), organizationID: UUID, email: String, name: String, role: UserRole, locale: String? = nil
    ) {
        self.id = id
        self.organizationID = organizationID
        self.email = email
        self.name = name
        self.role = role
        self.locale = locale
    }
}

/// What data references may read about a person.
public struct Person: Sendable, Equatable {
    public var name: String
    public var email: String

    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }
}

extension User {
    public var person: Person { Person(name: name, email: email) }
}
