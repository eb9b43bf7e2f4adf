import Foundation

/// Jumio's data centers; every host embeds the region id.
public enum JumioDataCenter: String, Codable, Sendable, CaseIterable {
    case us = "US"
    case eu = "EU"
    case sg = "SG"

    public var region: String {
        switch self {
        case .us: "amer-1"
        case .eu: "emea-1"
        case .sg: "apac-1"
        }
    }

    /// The hostname Jumio's callbacks for this data center come from.
    public var callbackHostname: String { "callback.\(region).jumio.ai" }

    /// The published source addresses of callbacks, to allowlist on the receiving side.
    public var callbackAddresses: [String] {
        switch self {
        case .us: ["34.202.241.227", "34.226.103.119", "34.226.254.127", "52.8.136.236", "54.177.61.57", "54.183.15.212"]
        case .eu: ["34.253.41.236", "35.157.27.193", "52.48.0.25", "52.57.194.92", "52.58.113.86", "52.209.180.134"]
        case .sg: ["3.0.109.121", "52.76.184.73", "52.77.102.92", "13.238.100.17", "13.238.203.238", "52.64.132.26"]
        }
    }
}

/// Where each of Jumio's APIs lives: the documented hosts of a data center, or one base URL serving every
/// path (the sandbox, or a test double).
public struct JumioEndpoints: Sendable, Equatable, Hashable {
    public var tokenURL: String
    public var accountBase: String
    public var retrievalBase: String
    public var statusURL: String

    public init(tokenURL: String, accountBase: String, retrievalBase: String, statusURL: String) {
        self.tokenURL = tokenURL
        self.accountBase = accountBase
        self.retrievalBase = retrievalBase
        self.statusURL = statusURL
    }

    public static func dataCenter(_ dataCenter: JumioDataCenter) -> JumioEndpoints {
        let region = dataCenter.region
        return JumioEndpoints(
            tokenURL: "https://auth.\(region).jumio.ai/oauth2/token",
            accountBase: "https://account.\(region).jumio.ai",
            retrievalBase: "https://retrieval.\(region).jumio.ai",
            statusURL: "https://status.\(region).jumio.ai")
    }

    /// One server answering every path: `/oauth2/token`, `/api/v1/…` and `/status`.
    public static func custom(baseURL: String) -> JumioEndpoints {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        return JumioEndpoints(
            tokenURL: "\(base)/oauth2/token", accountBase: base, retrievalBase: base, statusURL: "\(base)/status")
    }
}

/// An OAuth2 client of a Jumio tenant. The secret never appears in descriptions or logs.
public struct JumioCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public var clientID: String
    public var clientSecret: String

    public init(clientID: String, clientSecret: String) {
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    public var description: String { "JumioCredentials(clientID: \(clientID), clientSecret: <redacted>)" }
    public var debugDescription: String { description }
}

/// The tenant to talk to: where, and as whom.
public struct JumioConnection: Sendable, Hashable {
    public var endpoints: JumioEndpoints
    public var credentials: JumioCredentials

    public init(endpoints: JumioEndpoints, credentials: JumioCredentials) {
        self.endpoints = endpoints
        self.credentials = credentials
    }
}
