import Foundation
import Hummingbird

/// The API contract, shipped with the server and served at `/openapi.yaml`.
struct OpenAPIDocument: Sendable {
    let text: String

    struct Missing: Error, CustomStringConvertible {
        var description: String { "openapi.yaml is missing from the KeyflowServer bundle" }
    }

    static func load() throws -> OpenAPIDocument {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let text = try? String(contentsOf: url, encoding: .utf8), !text.isEmpty
        else { throw Missing() }
        return OpenAPIDocument(text: text)
    }

    func response() -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
