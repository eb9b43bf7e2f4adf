import Foundation
import Hummingbird
@testable import KeyflowServer
import KeyflowStore
import Logging
import Testing

@Suite("The OpenAPI contract")
struct ContractTests {
    /// `METHOD /path/{param}` for every operation in openapi.yaml, read line by line (paths at two spaces,
    /// methods at four).
    static func documentedOperations() throws -> Set<String> {
        let document = try OpenAPIDocument.load().text
        var operations = Set<String>()
        var currentPath: String?
        var inPaths = false
        for line in document.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, !line.hasPrefix(" "), !line.isEmpty { break }
            if line.hasPrefix("  /"), line.hasSuffix(":") { currentPath = String(line.dropFirst(2).dropLast()) }
            for method in ["get", "post", "put", "delete", "patch"] where line == "    \(method):" {
                operations.insert("\(method.uppercased()) \(currentPath ?? "?")")
            }
        }
        return operations
    }

    @Test("every route the server has is documented, and every documented operation exists")
    func routesMatchTheDocument() async throws {
        let store = try Store(.sqliteInMemory, logger: Logger(label: "contract"))
        let configuration = KeyflowConfiguration(store: .sqliteInMemory)
        let components = try Components(configuration, store: store, dependencies: .init(), logger: Logger(label: "contract"))
        let router = try buildRouter(components)
        let served = Set(router.routes.map { route in
            let path = route.path.description.split(separator: "/").map { segment in
                segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
            }
            return "\(route.method.rawValue) /\(path.joined(separator: "/"))"
        })
        await store.shutdown()
        let documented = try Self.documentedOperations()
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
        #expect(documented.count >= 24)
    }

    @Test("the contract is served at /openapi.yaml", arguments: TestServer.stores)
    func served(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run { client in
            let response = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body).hasPrefix("openapi: 3.1.0"))
        }
    }
}
