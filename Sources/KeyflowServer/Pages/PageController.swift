import Foundation
import Hummingbird
import Mustache

/// The web pages: server-rendered shells (Mustache, loaded once at start) whose small scripts talk to the API.
struct PageController {
    let library: MustacheLibrary
    let assets: [String: (type: String, body: ByteBuffer)]
    let headers: HTTPFields
    let demo: Bool

    /// Loads every template and asset at start; a missing one stops the start.
    static func load(demo: Bool, frameSources: [String]) async throws -> PageController {
        guard let root = Bundle.module.resourceURL else { throw MissingResource(name: "the KeyflowServer bundle") }
        let library = try await MustacheLibrary(directory: root.appendingPathComponent("Pages").path)
        for page in ["sign-in", "flows", "workspace", "magic"] where library.getTemplate(named: page) == nil {
            throw MissingResource(name: "Pages/\(page).mustache")
        }
        var assets: [String: (type: String, body: ByteBuffer)] = [:]
        let types = ["css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8"]
        for name in ["keyflow.css", "api.js", "sign-in.js", "flows.js", "workspace.js", "magic.js", "add-action.js"] {
            let url = root.appendingPathComponent("Assets").appendingPathComponent(name)
            guard let data = try? Data(contentsOf: url) else { throw MissingResource(name: "Assets/\(name)") }
            assets[name] = (types[url.pathExtension] ?? "application/octet-stream", ByteBuffer(bytes: data))
        }
        return PageController(library: library, assets: assets, headers: securityHeaders(frameSources: frameSources), demo: demo)
    }

    struct MissingResource: Error, CustomStringConvertible {
        var name: String
        var description: String { "\(name) is missing; the build is incomplete" }
    }

    /// The pages may frame only Jumio's web hosts (and the sandbox), use the camera only there, and are never
    /// framed themselves.
    static func securityHeaders(frameSources: [String]) -> HTTPFields {
        let frames = frameSources.joined(separator: " ")
        let quoted = frameSources.map { "\"\($0)\"" }.joined(separator: " ")
        return [
            .contentSecurityPolicy:
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self' \(frames); frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
            .init("Permissions-Policy")!: "camera=(self \(quoted)), fullscreen=(self \(quoted)), autoplay=(self \(quoted))",
            .init("X-Content-Type-Options")!: "nosniff",
            .init("Referrer-Policy")!: "same-origin",
            .cacheControl: "no-store",
        ]
    }

    func addRoutes(to router: Router<KeyflowRequestContext>) {
        router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/flows"]) }
        router.get("sign-in") { _, _ in page("sign-in", ["title": "Sign in", "demo": demo]) }
        router.get("flows") { _, _ in page("flows", ["title": "Workspaces"]) }
        router.get("magic/:token") { _, _ in page("magic", ["title": "Signing in"]) }
        router.get("flows/:id") { _, context in
            let id = try context.id("id", of: "workspace")
            return page("workspace", ["title": "Workspace", "flowID": id.uuidString])
        }
        router.get("assets/:name") { _, context in
            guard let asset = assets[context.parameters.get("name") ?? ""] else { throw APIError.notFound("no such file") }
            return Response(
                status: .ok, headers: [.contentType: asset.type, .cacheControl: "no-cache", .init("X-Content-Type-Options")!: "nosniff"],
                body: .init(byteBuffer: asset.body))
        }
    }

    private func page(_ name: String, _ values: [String: Any]) -> Response {
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(string: library.render(values, withTemplate: name) ?? "")))
    }
}
