import Foundation
import Logging
import Synchronization
@testable import KeyflowServer
import Testing

@Suite("Log lines")
struct LogLineTests {
    /// The lines a handler wrote, instead of standard error.
    final class Written: Sendable {
        private let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        func write(_ data: Data) { lines.withLock { $0.append(String(decoding: data, as: UTF8.self)) } }
    }

    static func logger(_ format: KeyflowLogging.Format, writingTo written: Written) -> Logger {
        Logger(label: "keyflow") {
            LineLogHandler(label: $0, format: format, metadataProvider: RequestTrace.metadataProvider, write: written.write)
        }
    }

    @Test(
        "a line carries its request id and hides sensitive metadata, the logger's own as well as the line's",
        arguments: [KeyflowLogging.Format.text, .json])
    func redactsEveryKindOfMetadata(format: KeyflowLogging.Format) throws {
        let written = Written()
        var logger = Self.logger(format, writingTo: written)
        logger[metadataKey: "email"] = "ada@bank.example"
        logger[metadataKey: "attempt"] = "7"
        RequestTrace.$id.withValue("trace-line-3") {
            logger.warning("Jumio callback refused", metadata: ["clientSecret": "s3cret", "from": "203.0.113.9"])
        }
        let line = try #require(written.all.first)
        #expect(written.all.count == 1 && line.hasSuffix("\n"))
        #expect(!line.contains("ada@bank.example") && !line.contains("s3cret"))
        for shown in ["Jumio callback refused", "trace-line-3", "attempt", "203.0.113.9", "[redacted]", "warning"] {
            #expect(line.contains(shown), "\(format) line shows \(shown): \(line)")
        }
    }
}
