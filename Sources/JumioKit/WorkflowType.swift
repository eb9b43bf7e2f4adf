/// The verification workflows Keyflow offers, each run by a Jumio workflow definition key.
public enum JumioWorkflowType: String, Codable, Sendable, CaseIterable {
    case idCaptureAndStorage
    case idVerification
    case idAndIdentityVerification
    case idIdentityVerificationScreening

    public var displayName: String {
        switch self {
        case .idCaptureAndStorage: "ID Capture and Storage"
        case .idVerification: "ID Verification"
        case .idAndIdentityVerification: "ID and Identity Verification"
        case .idIdentityVerificationScreening: "ID Verification, Identity Verification, Screening"
        }
    }

    /// The legacy v3 keys Jumio documents for these workflows.
    public var defaultKey: Int {
        switch self {
        case .idCaptureAndStorage: 1
        case .idVerification: 2
        case .idAndIdentityVerification: 3
        case .idIdentityVerificationScreening: 32
        }
    }

    /// Screening (key 32) needs a `userReference` on the account request.
    public var requiresUserReference: Bool { self == .idIdentityVerificationScreening }
}

/// Which key each workflow type uses for a tenant: the documented defaults, with overrides for tenants on newer
/// standard workflows (e.g. 10163 for ID and Identity Verification, 10013 for the screening superset).
public struct JumioWorkflowKeys: Sendable, Equatable, Codable {
    public var overrides: [JumioWorkflowType: Int]

    public init(overrides: [JumioWorkflowType: Int] = [:]) { self.overrides = overrides }

    public func key(for type: JumioWorkflowType) -> Int { overrides[type] ?? type.defaultKey }
}
