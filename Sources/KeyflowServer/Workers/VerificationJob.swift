import Foundation
import KeyflowJSON

/// The payload of a verification job: `{"attemptID": "…", "source": "callback", "hint": "PROCESSED"}`, the JSON
/// `Codable` wrote for it before, so jobs queued by an earlier version read alike. Written and read by hand:
/// through `Codable`'s generic containers the two cost ≈ 24,000 instructions a verification.
struct VerificationJob: Sendable, Equatable {
    enum Source: String, Sendable {
        case callback
        case reconciler
    }

    var attemptID: UUID
    var source: Source
    /// The status the callback announced (a hint only; Jumio's retrieval API decides).
    var hint: String?

    /// A payload that is not a verification job's, which the job runner reports with its job.
    struct Unreadable: Error, CustomStringConvertible {
        let payload: String
        var description: String { "a verification job's payload must name its attemptID and source: \(payload)" }
    }

    func encoded() -> String {
        var text = JSONText(capacity: 128)
        text.beginObject()
        text.key("attemptID")
        text.id(attemptID)
        text.key("source")
        text.string(source.rawValue)
        if let hint {
            text.key("hint")
            text.string(hint)
        }
        text.endObject()
        return String(decoding: text.bytes, as: UTF8.self)
    }

    static func decode(_ payload: String) throws -> VerificationJob {
        guard let root = try? JSONTape(parsing: payload).root,
            let attemptID = root["attemptID"]?.text.flatMap(UUID.init(text:)),
            let source = root["source"]?.text.flatMap(Source.init(rawValue:))
        else { throw Unreadable(payload: payload) }
        let hint = root["hint"]
        if let hint, !hint.isNull, hint.text == nil { throw Unreadable(payload: payload) }
        return VerificationJob(attemptID: attemptID, source: source, hint: hint?.text)
    }
}
