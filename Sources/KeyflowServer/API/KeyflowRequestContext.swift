import Hummingbird
import Keyflow
import Logging

/// The per-request context: Hummingbird's core storage plus the signed-in user, if any.
struct KeyflowRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var user: User?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        user = nil
    }

    /// The signed-in user, or a 401 that says how to sign in.
    func requireUser() throws(APIError) -> User {
        guard let user else { throw APIError.unauthorized }
        return user
    }

    func requireActor() throws(APIError) -> Actor { Actor(try requireUser()) }
}
