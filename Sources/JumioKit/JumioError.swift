/// Why a Jumio call failed, each case saying what to do about it.
public enum JumioError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The client id or secret is wrong, or OAuth2 is not enabled for the tenant.
    case badCredentials(String)
    /// The OAuth2 client lacks the permission this call needs (initiate, or retrieve & delete).
    case permissionDenied(String)
    /// Jumio kept answering 429 after our retries.
    case rateLimited
    /// Jumio answered 5xx, or could not be reached, after our retries.
    case unavailable(String)
    /// Jumio (or our own check before sending) refused the request; the detail says which field.
    case invalidRequest(String)
    /// The account, execution or credential does not exist (or was deleted).
    case notFound(String)
    /// Jumio answered something this client cannot read.
    case invalidResponse(String)

    public var description: String {
        switch self {
        case .badCredentials(let detail):
            "Jumio refused the client ID or secret (\(detail)); check them in the Jumio Portal under Settings → API credentials → OAuth2 Clients"
        case .permissionDenied(let detail):
            "the Jumio OAuth2 client lacks a permission for this call (\(detail)); grant it initiate and retrieve & delete in the Portal"
        case .rateLimited:
            "Jumio's rate limit was reached and retries did not get through; try again shortly or ask Jumio to raise the limit"
        case .unavailable(let detail):
            "Jumio is unavailable right now (\(detail)); the request can be retried later"
        case .invalidRequest(let detail):
            "Jumio refused the request: \(detail)"
        case .notFound(let detail):
            "Jumio does not know this account or execution (\(detail)); it may have been deleted"
        case .invalidResponse(let detail):
            "Jumio's answer could not be read: \(detail)"
        }
    }

    /// Worth trying again later without changing anything.
    public var isTransient: Bool {
        switch self {
        case .rateLimited, .unavailable: true
        default: false
        }
    }
}
