import Foundation

/// The time, behind a seam so tests can fix it.
public struct AppClock: Sendable {
    public var now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) { self.now = now }

    public static let live = AppClock { Date() }
}

/// Unguessable tokens for sessions and links, behind a seam so tests can predict them.
public struct TokenGenerator: Sendable {
    public var make: @Sendable () -> String

    public init(make: @escaping @Sendable () -> String) { self.make = make }

    /// 32 random bytes from the system's secure generator, base64url without padding. The alphabet is mapped
    /// byte by byte: Foundation's `replacingOccurrences`, three times, cost ≈ 100,000 instructions a token.
    public static let live = TokenGenerator {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let base64 = Data(bytes).base64EncodedString().utf8.compactMap { byte -> UInt8? in
            switch byte {
            case UInt8(ascii: "+"): UInt8(ascii: "-")
            case UInt8(ascii: "/"): UInt8(ascii: "_")
            case UInt8(ascii: "="): nil
            default: byte
            }
        }
        return String(decoding: base64, as: UTF8.self)
    }
}
