import Foundation

/// Where a Jumio action verifies: one of Jumio's data centers, or the built-in sandbox.
public enum VerificationRegion: String, Codable, Sendable, CaseIterable {
    case us = "US"
    case eu = "EU"
    case sg = "SG"
    /// The emulator: for demos and tests, never a real verification.
    case sandbox = "SANDBOX"
}

/// The four verification workflows the Jumio action offers.
public enum VerificationWorkflow: String, Codable, Sendable, CaseIterable {
    case idCaptureAndStorage
    case idVerification
    case idAndIdentityVerification
    case idIdentityVerificationScreening
}

/// A Jumio action's own settings. The secret is held sealed (encrypted by the server); the domain never sees
/// it in the clear.
public struct JumioSettings: Codable, Sendable, Equatable {
    public var dataCenter: VerificationRegion
    public var workflowType: VerificationWorkflow
    public var clientID: String?
    public var sealedSecret: String?
    /// A saved organization connection to use instead of credentials typed into the action.
    public var connectionID: UUID?

    public init(
        dataCenter: VerificationRegion, workflowType: VerificationWorkflow, clientID: String? = nil,
        sealedSecret: String? = nil, connectionID: UUID? = nil
    ) {
        self.dataCenter = dataCenter
        self.workflowType = workflowType
        self.clientID = clientID
        self.sealedSecret = sealedSecret
        self.connectionID = connectionID
    }

    public func validate(field: String) throws(DomainError) {
        if connectionID != nil { return }
        guard let clientID, !clientID.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .invalid("enter the Jumio client ID, or pick a saved connection", field: "\(field).clientId")
        }
        guard clientID.count <= 200 else { throw .invalid("the client ID is too long", field: "\(field).clientId") }
        guard sealedSecret?.isEmpty == false else {
            throw .invalid("enter the Jumio client secret", field: "\(field).clientSecret")
        }
    }

    /// The outputs a passed verification leaves for later actions.
    public static let outputs = [
        "decision", "riskScore", "documentType", "issuingCountry", "firstName", "lastName", "dateOfBirth",
        "documentNumber", "usabilityDecision", "imageChecksDecision", "extractionDecision", "dataChecksDecision",
        "livenessDecision", "similarityDecision", "watchlistScreeningDecision", "verifiedAt",
    ]
}
