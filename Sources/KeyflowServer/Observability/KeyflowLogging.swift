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
                LineLogHandler(label: label, format: format, metadataProvider: provider)
            }, metadataProvider: RequestTrace.metadataProvider)
    }

    static func redacted(_ metadata: Logger.Metadata?) -> Logger.Metadata? {
        metadata?.reduce(into: Logger.Metadata()) { result, entry in
            let key = entry.key.lowercased()
            result[entry.key] = sensitive.contains(where: { key.contains($0) }) ? "[redacted]" : entry.value
        }
    }

    /// A line's metadata: the logger's own, the provider's (the request id) and the line's, later ones winning,
    /// redacted. Put together only for a line that is written, so setting a logger's metadata (every request
    /// does) costs no formatting.
    static func lineMetadata(_ own: Logger.Metadata, _ provider: Logger.MetadataProvider?, _ event: Logger.Metadata?)
        -> Logger.Metadata
    {
        redacted(own.merging(provider?.get() ?? [:]) { $1 }.merging(event ?? [:]) { $1 }) ?? [:]
    }

    /// Where both formats write: standard error, a whole line at a time.
    static let standardError: @Sendable (Data) -> Void = { FileHandle.standardError.write($0) }
}

/// Writes a log line in either format: plain text (time, level, label, the metadata sorted by name, the
/// source and the message) or one JSON object (the same, the metadata as strings). A line's metadata is put
/// together only when it is written (`KeyflowLogging.lineMetadata`).
struct LineLogHandler: LogHandler {
    let label: String
    let format: KeyflowLogging.Format
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    let write: @Sendable (Data) -> Void

    init(
        label: String, format: KeyflowLogging.Format, metadataProvider: Logger.MetadataProvider?,
        write: @escaping @Sendable (Data) -> Void = KeyflowLogging.standardError
    ) {
        self.label = label
        self.format = format
        self.metadataProvider = metadataProvider
        self.write = write
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = KeyflowLogging.lineMetadata(metadata, metadataProvider, event.metadata)
        let time = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
        switch format {
        case .text:
            let text = fields.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
            write(Data("\(time) \(event.level) \(label):\(text) [\(event.source)] \(event.message)\n".utf8))
        case .json:
            var object = fields.mapValues { "\($0)" }
            object["time"] = time
            object["level"] = event.level.rawValue
            object["label"] = label
            object["message"] = event.message.description
            object["source"] = event.source
            guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            else { return }
            data.append(0x0A)
            write(data)
        }
    }
}
