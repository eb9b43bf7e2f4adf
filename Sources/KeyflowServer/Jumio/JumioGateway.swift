import Foundation
import JumioKit
import Keyflow
import KeyflowStore

/// Turns Jumio actions into JumioKit calls: the right hosts, credentials opened from their sealed form,
/// Keyflow's account requests, and Jumio's answers in the domain's words. Nothing outside this file and
/// JumioKit sees Jumio's wire types.
struct JumioGateway: Sendable {
    let client: JumioClient
    let secrets: SecretBox?
    let configuration: JumioConfiguration
    let address: PublicAddress

    static let sandboxPath = "sandbox/jumio"

    var sandboxBaseURL: String { configuration.sandboxURL ?? "\(address.url)/\(Self.sandboxPath)" }

    /// Where the journeys of these data centers are framed from: each one's web host, and an external sandbox
    /// when one is configured (the built-in one is this server itself, so 'self' covers it).
    func frameSources(for regions: Set<VerificationRegion>) -> [String] {
        var sources: [String] = []
        for dataCenter in JumioDataCenter.allCases where regions.contains(where: { $0.rawValue == dataCenter.rawValue }) {
            sources.append("https://*.web.\(dataCenter.region).jumio.ai")
        }
        if regions.contains(.sandbox), let external = configuration.sandboxURL.flatMap(URL.init(string:)),
            let scheme = external.scheme, let host = external.host
        {
            sources.append("\(scheme)://\(host)\(external.port.map { ":\($0)" } ?? "")")
        }
        return sources
    }

    /// The data centers a flow's Jumio actions use, a saved connection's own data center counting for it.
    func regions(of flow: Flow, in db: StoreSession) async throws -> Set<VerificationRegion> {
        var regions = Set<VerificationRegion>()
        for settings in flow.actions.compactMap(\.definition.jumio) {
            if let connectionID = settings.connectionID, let saved = try await db.jumioConnection(connectionID),
                let region = VerificationRegion(rawValue: saved.dataCenter)
            {
                regions.insert(region)
            } else {
                regions.insert(settings.dataCenter)
            }
        }
        return regions
    }

    func endpoints(for region: VerificationRegion) throws(APIError) -> JumioEndpoints {
        switch region {
        case .us: return .dataCenter(.us)
        case .eu: return .dataCenter(.eu)
        case .sg: return .dataCenter(.sg)
        case .sandbox:
            guard configuration.sandboxEnabled else {
                throw APIError.invalid(
                    "the SANDBOX data center is switched off here; choose US, EU or SG (or set KEYFLOW_JUMIO_SANDBOX=true)",
                    field: "jumio.dataCenter")
            }
            return .custom(baseURL: sandboxBaseURL)
        }
    }

    /// Seals a secret typed into an action or a connection.
    func seal(_ secret: String) throws(APIError) -> String {
        guard let secrets else {
            throw APIError.invalid(
                "Keyflow cannot store Jumio secrets until KEYFLOW_MASTER_KEY is set (32 random bytes in base64); set it and restart",
                field: "jumio.clientSecret")
        }
        return secrets.seal(secret)
    }

    /// The region and credentials an action uses: its own, or its saved connection's. The store is read only
    /// for a saved connection: an action with its own credentials needs no database connection for this (on
    /// PostgreSQL a lease from the pool, on every verification).
    func connection(for settings: JumioSettings, organizationID: UUID, store: Store) async throws
        -> (region: VerificationRegion, connection: JumioConnection)
    {
        var region = settings.dataCenter
        var clientID = settings.clientID ?? ""
        var sealed = settings.sealedSecret ?? ""
        if let connectionID = settings.connectionID {
            guard let saved = try await store.read({ try await $0.jumioConnection(connectionID) }),
                saved.organizationID == organizationID
            else {
                throw APIError.invalid("the saved Jumio connection no longer exists; pick another", field: "jumio.connectionId")
            }
            region = VerificationRegion(rawValue: saved.dataCenter) ?? region
            clientID = saved.clientID
            sealed = saved.sealedSecret
        }
        guard let secrets else { throw APIError.conflict("KEYFLOW_MASTER_KEY is not set, so the Jumio secret cannot be opened") }
        let secret: String
        do {
            secret = try secrets.open(sealed)
        } catch {
            throw APIError.conflict("the stored Jumio secret cannot be opened: \(error)")
        }
        return (region, JumioConnection(endpoints: try endpoints(for: region), credentials: .init(clientID: clientID, clientSecret: secret)))
    }

    func workflowKey(_ workflow: VerificationWorkflow) -> Int {
        configuration.workflowKeys.key(for: JumioWorkflowType(rawValue: workflow.rawValue) ?? .idVerification)
    }

    /// Jumio does not allow ports, IP hosts or plain HTTP in callback URLs; a real data center needs a public
    /// HTTPS address.
    func callbackProblem(_ url: String, region: VerificationRegion) -> String? {
        guard region != .sandbox else { return nil }
        guard let components = URLComponents(string: url), components.scheme == "https", components.port == nil,
            let host = components.host, !host.isEmpty, !host.allSatisfy({ $0.isNumber || $0 == "." || $0 == ":" })
        else {
            return "Jumio calls back only to a public https:// address without a port; set KEYFLOW_PUBLIC_URL to one (it is \(address.url))"
        }
        return url.count > 255 ? "the callback URL is longer than Jumio's 255 characters; shorten KEYFLOW_PUBLIC_URL" : nil
    }

    /// Jumio's web client languages; a preferred language it lacks falls back to its base language, then English.
    static let locales = [
        "ar", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-MX", "et", "fi", "fr", "he", "hr", "hu", "hy", "id",
        "it", "ja", "ka", "km", "ko", "lt", "ms", "nl", "no", "pl", "pt", "pt-BR", "ro", "ru", "sk", "sv", "th", "tr",
        "vi", "zh-CN", "zh-HK",
    ]

    static func locale(preferred: [String]) -> String? {
        for tag in preferred {
            let cleaned = tag.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if let exact = locales.first(where: { $0.lowercased() == cleaned.lowercased() }) { return exact }
            let language = String(cleaned.split(separator: "-").first ?? "").lowercased()
            if locales.contains(language) { return language }
        }
        return nil
    }

    /// The retrieval answer in the domain's words.
    static func result(status: JumioExecutionStatus, details: JumioExecutionDetails?) -> VerificationResult {
        switch status {
        case .tokenExpired, .sessionExpired:
            return VerificationResult(outcome: .expired, label: status.rawValue)
        case .processed:
            guard let details else { return VerificationResult(outcome: .pending) }
            let outcome: VerificationResult.Outcome =
                switch details.decision?.type {
                case .passed?: .passed
                case .warning?: .warning
                case .rejected?: .rejected
                default: .rejected
                }
            let capabilities = details.capabilityDecisions.mapValues { decision in
                let type = decision.type?.rawValue ?? "UNKNOWN"
                guard let label = decision.label, !["OK", "PASSED", "MATCH"].contains(label) else { return type }
                return "\(type): \(label)"
            }
            let extraction = details.extraction
            return VerificationResult(
                outcome: outcome, label: details.decision?.label, riskScore: details.decision?.risk?.score,
                capabilities: capabilities, documentType: extraction?["type"]?.string,
                issuingCountry: extraction?["issuingCountry"]?.string, firstName: extraction?["firstName"]?.string,
                lastName: extraction?["lastName"]?.string, dateOfBirth: extraction?["dateOfBirth"]?.string,
                documentNumber: extraction?["documentNumber"]?.string)
        default:
            return VerificationResult(outcome: .pending)
        }
    }
}
