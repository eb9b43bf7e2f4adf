import Hummingbird
import Keyflow
import Logging

/// The per-request context: Hummingbird's core storage plus the signed-in user, if any.
struct KeyflowRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var user: User?
    /// The peer's IP address as the socket sees it (a proxy's, behind one).
    let remoteAddress: String?
    /// Set by `RequestTraceMiddleware`; also in `RequestTrace.id` for this task (not for work the database
    /// driver runs in tasks of its own, hence kept here too).
    var requestID: String?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        user = nil
        remoteAddress = source.channel.remoteAddress?.ipAddress
        requestID = nil
    }

    /// The signed-in user, or a 401 that says how to sign in.
    func requireUser() throws(APIError) -> User {
        guard let user else { throw APIError.unauthorized }
        return user
    }

    func requireActor() throws(APIError) -> Actor { Actor(try requireUser()) }
}
