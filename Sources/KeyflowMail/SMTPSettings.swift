import Foundation

/// Where and how mail is sent, read from one URL:
/// `smtps://user:password@host:465` (TLS from the start), `smtp://user:password@host:587` (STARTTLS, which is
/// then required), or `smtp+plain://host:25` (no encryption, for a relay on the same machine; no credentials).
public struct SMTPSettings: Sendable, Equatable {
    public enum Security: String, Sendable {
        case implicitTLS
        case startTLS
        case none
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// The sender address, as in `Keyflow <no-reply@example.com>` or `no-reply@example.com`.
    public var from: String
    public var timeout: Duration

    public init(
        host: String, port: Int, security: Security, username: String? = nil, password: String? = nil, from: String,
        timeout: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.from = from
        self.timeout = timeout
    }

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    public init(url text: String, from: String) throws(Problem) {
        guard let url = URLComponents(string: text), let host = url.host, !host.isEmpty else {
            throw Problem(description: "KEYFLOW_SMTP_URL '\(Self.redacted(text))' is not a URL like smtp://user:password@mail.example.com:587")
        }
        let security: Security
        switch url.scheme {
        case "smtps": security = .implicitTLS
        case "smtp": security = .startTLS
        case "smtp+plain": security = .none
        default:
            throw Problem(description: "KEYFLOW_SMTP_URL must start with smtps://, smtp:// (STARTTLS) or smtp+plain://")
        }
        if security == .none, url.user != nil {
            throw Problem(description: "smtp+plain:// sends in the clear, so it takes no credentials; use smtp:// or smtps://")
        }
        guard MailMessage.isValidAddress(Self.address(in: from)), !from.contains(where: \.isNewline) else {
            throw Problem(description: "KEYFLOW_MAIL_FROM '\(from)' is not an address like Keyflow <no-reply@example.com>")
        }
        self.init(
            host: host, port: url.port ?? (security == .implicitTLS ? 465 : security == .startTLS ? 587 : 25),
            security: security, username: url.user?.removingPercentEncoding,
            password: url.password?.removingPercentEncoding, from: from)
    }

    /// The sender's bare address, for `MAIL FROM`.
    var senderAddress: String { Self.address(in: from) }

    static func address(in from: String) -> String {
        from.split(separator: "<").last.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "> ")) } ?? from
    }

    /// The URL without its password, for messages and logs.
    public static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "***"
        return url.string ?? "(hidden)"
    }
}
