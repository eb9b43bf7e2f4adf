import Hummingbird
import Synchronization

/// The routes the server has, to tell "no such path" (404) from "not with this method" (405 with `Allow`).
final class KnownRoutes: Sendable {
    private let routes = Mutex<[(segments: [String], method: String)]>([])

    func load(_ router: Router<KeyflowRequestContext>) {
        let list = router.routes.map { route in
            (route.path.description.split(separator: "/").map(String.init), route.method.rawValue)
        }
        routes.withLock { $0 = list }
    }

    func methods(for path: String) -> [String] {
        let parts = path.split(separator: "/").map(String.init)
        let matching = routes.withLock { routes in
            routes.filter { route in
                route.segments.count == parts.count
                    && zip(route.segments, parts).allSatisfy { pattern, part in pattern.hasPrefix(":") || pattern == part }
            }.map(\.method)
        }
        return Array(Set(matching)).sorted()
    }
}

struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = KeyflowRequestContext
    let known: KnownRoutes

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = known.methods(for: request.uri.path)
            guard !allowed.isEmpty else { throw error }
            var refusal = APIError(
                status: .methodNotAllowed, code: "method_not_allowed",
                message: "\(request.method.rawValue) is not used on this path; use \(allowed.joined(separator: " or "))")
            refusal.headers[.allow] = allowed.joined(separator: ", ")
            throw refusal
        }
    }
}
