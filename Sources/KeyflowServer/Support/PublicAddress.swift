import Foundation
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

    func listening(host: String, port: Int) {
        guard !isExplicit else { return }
        let shownHost = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
        value.withLock { $0 = "http://\(shownHost):\(port)" }
    }
}
