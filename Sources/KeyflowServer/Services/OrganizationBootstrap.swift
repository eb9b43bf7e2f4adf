import Foundation
import HummingbirdBcrypt
import Keyflow
import KeyflowStore
import Logging
import NIOPosix

/// Creates an organization with its first admin: how a new installation gets its first user.
public enum OrganizationBootstrap {
    public struct Admin: Sendable {
        public var email: String
        public var name: String
        public var password: String

        public init(email: String, name: String, password: String) {
            self.email = email
            self.name = name
            self.password = password
        }
    }

    /// Opens the configured store, migrates it, adds the organization and its admin, and closes it again.
    @discardableResult
    public static func create(
        organizationName: String, timeZone: String, admin: Admin, configuration: KeyflowConfiguration,
        clock: AppClock = .live
    ) async throws -> (organization: Organization, admin: User) {
        guard TimeZone(identifier: timeZone) != nil else {
            throw ConfigurationError(variable: "--time-zone", problem: "'\(timeZone)' is not an IANA time zone such as Europe/Zurich")
        }
        try Naming.validateName(organizationName, what: "organization name", field: "name")
        try UserRules.validate(
            CreateUserRequest(email: admin.email, name: admin.name, role: .admin, password: admin.password))
        let store = try Store(configuration.store, logger: Logger(label: "keyflow.bootstrap"))
        do {
            try await store.migrate()
            let organization = Organization(name: organizationName, timeZone: timeZone)
            let user = User(organizationID: organization.id, email: admin.email, name: admin.name, role: .admin)
            let password = admin.password
            let cost = configuration.bcryptCost
            let hash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
            let now = clock.now()
            try await store.write { db in
                try await db.insert(organization, at: now)
                try await db.insert(user, passwordHash: hash, at: now)
            }
            await store.shutdown()
            return (organization, user)
        } catch {
            await store.shutdown()
            throw error
        }
    }
}
