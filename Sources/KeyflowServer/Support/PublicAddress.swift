import Foundation
import NIOCore
import Synchronization

/// The URL people and Jumio reach this server at. Configured, or, when not, learned from the port the server
/// actually listens on (so a server on port 0, as in tests, still builds working links).
public final class PublicAddress: Sendable {
    private let value: Mutex<String>
    let isExplicit: Bool

    init(_ configuration: KeyflowConfiguration) {
        value = Mutex(configuration.publicURL)
        isExplicit = configuration.publicURLIsExplicit
    }

    public var url: String { value.withLock { $0 } }

    /// Whether people reach the server over HTTPS (through a proxy that ends TLS): its answers then carry HSTS.
    var isHTTPS: Bool { url.hasPrefix("https://") }

    /// Follows the address the server is bound to (a name such as `localhost` may have bound `::1`).
    func listening(on address: SocketAddress?) {
        guard !isExplicit, let address, let port = address.port, let ip = address.ipAddress else { return }
        let host: String =
            switch ip {
            case "0.0.0.0": "127.0.0.1"
            case "::": "[::1]"
            default: ip.contains(":") ? "[\(ip)]" : ip
            }
        value.withLock { $0 = "http://\(host):\(port)" }
    }
}
