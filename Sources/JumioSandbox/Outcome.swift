import Foundation
import JumioKit
import KeyflowJSON

/// What a verification will conclude, chosen on the journey page or forced the Mock Service way.
public enum SandboxOutcome: Sendable, Equatable {
    case pass
    /// A capability label from Jumio's tables (e.g. `BLURRED`, `FAKE`, `NO_MATCH`) that rejects.
    case reject(label: String)
    /// A label that warns (e.g. `ALERT`, `DIFFERENT_PERSON`).
    case warning(label: String)
    /// The user leaves: the session expires.
    case expire

    /// Reads the Mock Service convention: a JSON string in `customerInternalReference` with `decisionLabel`,
    /// `credentialWithDecision` and `extractionOverrides`. Anything else forces nothing.
    static func forced(by reference: String) -> (SandboxOutcome?, [String: String]) {
        guard reference.hasPrefix("{"), let data = reference.data(using: .utf8),
            let object = try? JSONValue(parsing: data)
        else { return (nil, [:]) }
        var overrides: [String: String] = [:]
        if case .object(let fields)? = object["extractionOverrides"] {
            for (key, value) in fields { if let text = value.string { overrides[key] = text } }
        }
        guard let label = object["decisionLabel"]?.string else { return (nil, overrides) }
        return (outcome(forLabel: label, credential: object["credentialWithDecision"]?.string), overrides)
    }

    static func outcome(forLabel label: String, credential: String?) -> SandboxOutcome {
        if label == "OK" || label == "PASSED" || label == "MATCH" { return .pass }
        if label == "EXPIRED" { return .expire }
        let owner = Capabilities.owner(of: label, credential: credential)
        return owner?.rejects == false ? .warning(label: label) : .reject(label: label)
    }
}

/// Jumio's capabilities, what they depend on, and which labels reject or warn (§7.3 of the reference).
enum Capabilities {
    static let order = ["usability", "imageChecks", "extraction", "dataChecks", "liveness", "similarity", "watchlistScreening"]

    static let dependencies: [String: [String]] = [
        "imageChecks": ["usability"],
        "extraction": ["usability", "imageChecks"],
        "dataChecks": ["usability", "imageChecks", "extraction"],
        "liveness": ["usability"],
        "similarity": ["usability"],
        "watchlistScreening": ["usability", "imageChecks", "extraction"],
    ]

    static let rejecting: [String: [String]] = [
        "usability": [
            "BAD_QUALITY", "BLURRED", "BAD_QUALITY_IMAGE", "PART_OF_DOCUMENT_MISSING", "PART_OF_DOCUMENT_HIDDEN",
            "DAMAGED_DOCUMENT", "GLARE", "MISSING_MANDATORY_DATAPOINTS", "BLACK_WHITE", "MISSING_PAGE",
            "MISSING_SIGNATURE", "NOT_A_DOCUMENT", "PHOTOCOPY",
        ],
        "imageChecks": [
            "DIGITAL_COPY", "WATERMARK", "MANIPULATED_DOCUMENT", "OTHER_REJECTION", "GHOST_IMAGE_DIFFERENT", "PUNCHED",
            "SAMPLE", "FAKE", "CHIP_MISSING", "DIGITAL_MANIPULATION", "MISMATCH_FRONT_BACK",
        ],
        "dataChecks": [
            "NFC_CERTIFICATE", "MISMATCHING_DATAPOINTS", "MRZ_CHECKSUM", "MISMATCHING_DATA_REPEATED_FACE",
            "MISMATCH_HRZ_MRZ_DATA", "CUSTOMER_FEEDBACK",
        ],
        "liveness": [
            "LIVENESS_UNDETERMINED", "ID_USED_AS_SELFIE", "MULTIPLE_PEOPLE", "MANIPULATED", "NO_FACE_PRESENT",
            "FACE_NOT_FULLY_VISIBLE",
        ],
        "similarity": ["NO_MATCH"],
    ]

    static let warning: [String: [String]] = [
        "usability": ["UNSUPPORTED_COUNTRY", "UNSUPPORTED_DOCUMENT_TYPE"],
        "imageChecks": ["DIFFERENT_PERSON", "REPEATED_FACE"],
        "liveness": ["AGE_DIFFERENCE"],
        "similarity": ["NOT_POSSIBLE"],
        "watchlistScreening": ["ALERT"],
    ]

    /// The capability a label belongs to; selfie labels go to liveness when the decision is on a selfie.
    static func owner(of label: String, credential: String?) -> (capability: String, rejects: Bool)? {
        let preferred = credential == "SELFIE" || credential == "FACEMAP" ? ["liveness", "similarity"] + order : order
        for capability in preferred {
            if rejecting[capability]?.contains(label) == true { return (capability, true) }
            if warning[capability]?.contains(label) == true { return (capability, false) }
        }
        return nil
    }

    /// The capabilities a workflow key runs; newer keys behave like the legacy ones they replace.
    static func run(byKey key: Int) -> [String] {
        switch key {
        case 1: ["usability", "extraction"]
        case 2, 10164: ["usability", "imageChecks", "extraction", "dataChecks"]
        case 3, 10011, 10163: ["usability", "imageChecks", "extraction", "dataChecks", "liveness", "similarity"]
        default: order
        }
    }

    static func credentials(byKey key: Int) -> [String] {
        run(byKey: key).contains("liveness") ? ["ID", "SELFIE", "FACEMAP"] : ["ID"]
    }

    /// Every capability's decision under an outcome, with the dependency rule: a rejected or not executed
    /// prerequisite leaves its dependants NOT_EXECUTED / PRECONDITION_NOT_FULFILLED.
    static func decisions(key: Int, outcome: SandboxOutcome, credential: String?) -> [String: (type: String, label: String)] {
        let capabilities = run(byKey: key)
        var result: [String: (type: String, label: String)] = [:]
        if outcome == .expire {
            for capability in capabilities {
                result[capability] = ("NOT_EXECUTED", capability == "usability" ? "NOT_UPLOADED" : "PRECONDITION_NOT_FULFILLED")
            }
            return result
        }
        var target: (capability: String, type: String, label: String)?
        switch outcome {
        case .reject(let label), .warning(let label):
            let owner = owner(of: label, credential: credential)
            let capability = owner.flatMap { capabilities.contains($0.capability) ? $0.capability : nil } ?? "usability"
            target = (capability, owner?.rejects == false ? "WARNING" : "REJECTED", label)
        default:
            target = nil
        }
        for capability in capabilities {
            let blocked = (dependencies[capability] ?? []).contains { dependency in
                guard let decided = result[dependency] else { return false }
                return decided.type == "REJECTED" || decided.type == "NOT_EXECUTED"
            }
            if blocked {
                result[capability] = ("NOT_EXECUTED", "PRECONDITION_NOT_FULFILLED")
            } else if let target, target.capability == capability {
                result[capability] = (target.type, target.label)
            } else {
                result[capability] = ("PASSED", capability == "similarity" ? "MATCH" : "OK")
            }
        }
        return result
    }
}
