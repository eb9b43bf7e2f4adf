import Foundation
import Hummingbird
import HummingbirdBcrypt
import Keyflow
import KeyflowStore
import NIOPosix

/// Sign in, sign out and who am I.
struct SessionController {
    let store: Store
    let clock: AppClock
    let tokens: TokenGenerator
    let sessionLifetime: TimeInterval

    func addRoutes(to api: RouterGroup<KeyflowRequestContext>) {
        api.post("sessions", use: signIn)
        api.delete("sessions", use: signOut)
        api.get("me", use: me)
    }

    @Sendable func signIn(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let input = try await JSONBody.decode(SignInRequest.self, from: request)
        let stored = try await store.read { try await $0.user(email: input.email) }
        let password = input.password
        let hash = stored?.passwordHash
        // Verify against a fixed hash when the user is unknown, so timing does not reveal which emails exist.
        let matches = try await NIOThreadPool.singleton.runIfActive {
            Bcrypt.verify(password, hash: hash ?? Self.decoyHash)
        }
        guard let stored, hash != nil, matches else {
            throw APIError(
                status: .unauthorized, code: "bad_credentials", message: "the email or the password is wrong")
        }
        let token = tokens.make()
        let now = clock.now()
        let expiresAt = now.addingTimeInterval(sessionLifetime)
        try await store.write {
            try await $0.insertSession(token: token, userID: stored.user.id, now: now, expiresAt: expiresAt)
        }
        return try JSONBody.response(SessionView(token: token, expiresAt: expiresAt, user: UserView(stored.user)), status: .created)
    }

    @Sendable func signOut(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        _ = try context.requireUser()
        if let token = request.bearerToken { try await store.write { try await $0.deleteSession(token: token) } }
        return Response(status: .noContent)
    }

    @Sendable func me(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        try JSONBody.response(UserView(try context.requireUser()))
    }

    static let decoyHash = Bcrypt.hash("keyflow-decoy-password", cost: 4)
}
