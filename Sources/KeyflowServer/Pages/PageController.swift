import Foundation
import Hummingbird
import KeyflowStore
import Mustache

/// The web pages: server-rendered shells (Mustache, loaded once at start) whose small scripts talk to the API.
struct PageController {
    let library: MustacheLibrary
    let assets: [String: (type: String, body: ByteBuffer)]
    let store: Store
    let gateway: JumioGateway
    let demo: Bool

    static let pages = ["sign-in", "flows", "workspace", "magic", "templates", "builder", "start"]
    static let scripts = [
        "api.js", "sign-in.js", "flows.js", "workspace.js", "magic.js", "action-form.js", "add-action.js", "templates.js",
        "builder.js", "start.js",
    ]

    /// Loads every template and asset at start; a missing one stops the start.
    static func load(demo: Bool, store: Store, gateway: JumioGateway) async throws -> PageController {
        guard let root = Bundle.module.resourceURL else { throw MissingResource(name: "the KeyflowServer bundle") }
        let library = try await MustacheLibrary(directory: root.appendingPathComponent("Pages").path)
        for page in pages + ["action-form"] where library.getTemplate(named: page) == nil {
            throw MissingResource(name: "Pages/\(page).mustache")
        }
        var assets: [String: (type: String, body: ByteBuffer)] = [:]
        let types = ["css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8"]
        for name in ["keyflow.css"] + scripts {
            let url = root.appendingPathComponent("Assets").appendingPathComponent(name)
            guard let data = try? Data(contentsOf: url) else { throw MissingResource(name: "Assets/\(name)") }
            assets[name] = (types[url.pathExtension] ?? "application/octet-stream", ByteBuffer(bytes: data))
        }
        return PageController(library: library, assets: assets, store: store, gateway: gateway, demo: demo)
    }

    struct MissingResource: Error, CustomStringConvertible {
        var name: String
        var description: String { "\(name) is missing; the build is incomplete" }
    }

    /// A page may frame only the Jumio web hosts it needs (none but itself unless it is a workspace with Jumio
    /// actions), lets only those use the camera, and is never framed itself.
    static func securityHeaders(frameSources: [String]) -> HTTPFields {
        let frames = (["'self'"] + frameSources).joined(separator: " ")
        let quoted = (["self"] + frameSources.map { "\"\($0)\"" }).joined(separator: " ")
        return [
            .contentSecurityPolicy:
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src \(frames); frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
            .init("Permissions-Policy")!: "camera=(\(quoted)), fullscreen=(\(quoted)), autoplay=(\(quoted))",
            .init("X-Content-Type-Options")!: "nosniff",
            .init("Referrer-Policy")!: "same-origin",
            .cacheControl: "no-store",
        ]
    }

    func addRoutes(to router: Router<KeyflowRequestContext>) {
        router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/flows"]) }
        router.get("sign-in") { _, _ in page("sign-in", ["title": "Sign in"]) }
        router.get("magic/:token") { _, _ in page("magic", ["title": "Signing in"]) }
        router.get("flows") { _, _ in page("flows", ["title": "Workspaces"]) }
        router.get("flows/new") { request, _ in
            if let template = request.uri.queryParameters.get("template") {
                guard let id = UUID(uuidString: template) else {
                    throw APIError.badRequest("'template' must be a template id (a UUID)", field: "template")
                }
                return page("start", ["title": "Start a flow", "templateID": id.uuidString])
            }
            return page("builder", ["title": "Instant flow", "mode": "instant", "templateMode": false])
        }
        router.get("flows/:id") { _, context in
            let id = try context.id("id", of: "workspace")
            let sources = try await store.read { db -> [String] in
                guard let stored = try await db.flow(id) else { return [] }
                return gateway.frameSources(for: try await gateway.regions(of: stored.flow, in: db))
            }
            return page("workspace", ["title": "Workspace", "flowID": id.uuidString, "frameSources": sources.joined(separator: " ")], frameSources: sources)
        }
        router.get("templates") { _, _ in page("templates", ["title": "Templates"]) }
        router.get("templates/new") { _, _ in page("builder", ["title": "New template", "mode": "template", "templateMode": true]) }
        router.get("templates/:id") { _, context in
            let id = try context.id("id", of: "template")
            return page("builder", ["title": "Flow Builder", "mode": "template", "templateMode": true, "templateID": id.uuidString])
        }
        router.get("assets/:name") { _, context in
            guard let asset = assets[context.parameters.get("name") ?? ""] else { throw APIError.notFound("no such file") }
            return Response(
                status: .ok, headers: [.contentType: asset.type, .cacheControl: "no-cache", .init("X-Content-Type-Options")!: "nosniff"],
                body: .init(byteBuffer: asset.body))
        }
    }

    private func page(_ name: String, _ values: [String: Any], frameSources: [String] = []) -> Response {
        var fields = Self.securityHeaders(frameSources: frameSources)
        fields[.contentType] = "text/html; charset=utf-8"
        let all = values.merging(["demo": demo, "sandbox": gateway.configuration.sandboxEnabled]) { given, _ in given }
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(string: library.render(all, withTemplate: name) ?? "")))
    }
}
