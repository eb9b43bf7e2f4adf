import Foundation
import Logging

/// How `keyflow serve` writes its log: plain lines for people, or one JSON object per line for log shippers.
/// Either way every line carries the request id of the work it belongs to, and metadata whose name says it
/// holds a secret or personal data is replaced by `[redacted]`.
public enum KeyflowLogging {
    public enum Format: String, Sendable {
        case text
        case json
    }

    /// Metadata names never written as they are.
    static let sensitive = ["password", "secret", "token", "authorization", "email", "cookie", "name"]

    public static func bootstrap(format: Format) {
        LoggingSystem.bootstrap(
            { label, provider in
                let inner: any LogHandler =
                    switch format {
                    case .text: StreamLogHandler.standardError(label: label, metadataProvider: provider)
                    case .json: JSONLogHandler(label: label, metadataProvider: provider)
                    }
                return RedactingLogHandler(inner: inner)
            }, metadataProvider: RequestTrace.metadataProvider)
    }

    static func redacted(_ metadata: Logger.Metadata?) -> Logger.Metadata? {
        metadata?.reduce(into: Logger.Metadata()) { result, entry in
            let key = entry.key.lowercased()
            result[entry.key] = sensitive.contains(where: { key.contains($0) }) ? "[redacted]" : entry.value
        }
    }
}

/// Passes lines on with sensitive metadata replaced.
struct RedactingLogHandler: LogHandler {
    var inner: any LogHandler

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        event.metadata = KeyflowLogging.redacted(event.metadata)
        inner.log(event: event)
    }
}

/// One JSON object per line on standard error: time, level, label, message and the metadata as strings.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, metadataProvider: Logger.MetadataProvider?) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = self.metadata.merging(metadataProvider?.get() ?? [:]) { $1 }.merging(event.metadata ?? [:]) { $1 }
        var object = (KeyflowLogging.redacted(merged) ?? [:]).mapValues { "\($0)" }
        object["time"] = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
        object["level"] = event.level.rawValue
        object["label"] = label
        object["message"] = event.message.description
        object["source"] = event.source
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        data.append(0x0A)
        FileHandle.standardError.write(data)
    }
}
