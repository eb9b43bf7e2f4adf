import Foundation
import Hummingbird
import HummingbirdBcrypt
import Keyflow
import KeyflowStore
import NIOPosix

/// The organization's people. Internal users list them; admins add them.
struct UserController {
    let store: Store
    let clock: AppClock
    let bcryptCost: UInt8
    let audit: AuditTrail

    func addRoutes(to api: RouterGroup<KeyflowRequestContext>) {
        api.get("users", use: list)
        api.post("users", use: create)
    }

    @Sendable func list(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard actor.isInternal else { throw APIError.forbidden("clients cannot list the organization's users") }
        let users = try await store.read { try await $0.users(in: actor.organizationID) }
        return try JSONBody.response(ListView(items: users.map(UserView.init)))
    }

    @Sendable func create(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard Access.canCreateUsers(as: actor) else { throw APIError.forbidden("only admins can add users") }
        let input = try await JSONBody.decode(CreateUserRequest.self, from: request)
        try UserRules.validate(input)
        let user = User(
            organizationID: actor.organizationID, email: input.email.trimmingCharacters(in: .whitespaces),
            name: input.name.trimmingCharacters(in: .whitespaces), role: input.role, locale: input.locale)
        let hash = try await input.password.asyncMap { password in
            try await NIOThreadPool.singleton.runIfActive { [bcryptCost] in Bcrypt.hash(password, cost: bcryptCost) }
        }
        let now = clock.now()
        try await store.write { db in
            try await db.insert(user, passwordHash: hash, at: now)
            try await audit.record(
                .userCreated, organizationID: actor.organizationID, actorID: actor.userID, subject: user.id.uuidString,
                details: ["role": user.role.rawValue], context: context, in: db)
        }
        return try JSONBody.response(UserView(user), status: .created)
    }
}

enum UserRules {
    static let minimumPasswordLength = 10

    static func validate(_ input: CreateUserRequest) throws(APIError) {
        let email = input.email.trimmingCharacters(in: .whitespaces)
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !email.contains(where: { $0.isWhitespace || "<>\"".contains($0) })
        else { throw APIError.invalid("'\(input.email)' is not an email address", field: "email") }
        guard !input.name.trimmingCharacters(in: .whitespaces).isEmpty, input.name.count <= 200 else {
            throw APIError.invalid("a name needs 1 to 200 characters", field: "name")
        }
        if input.role.isInternal, input.password == nil {
            throw APIError.invalid("internal users sign in with a password; give one", field: "password")
        }
        if let password = input.password, password.count < minimumPasswordLength || password.count > 200 {
            throw APIError.invalid(
                "a password needs at least \(minimumPasswordLength) characters", field: "password")
        }
        if let locale = input.locale, locale.count > 35 || locale.isEmpty {
            throw APIError.invalid("a locale is a language tag such as en-GB", field: "locale")
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
