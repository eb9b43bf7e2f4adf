import Crypto
import Foundation

/// Seals secrets for storage with AES-GCM. A sealed value names its key (`v1.<keyID>.<base64>`), so the key
/// can be rotated: new values use the current key, old ones still open with the previous keys.
public struct SecretBox: Sendable {
    let keyID: String
    /// Key bytes; `SymmetricKey` is made at use, as it is not `Sendable`.
    let key: Data
    let previous: [String: Data]

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case invalidKey(String)
        case unknownKey(String)
        case corrupt

        public var description: String {
            switch self {
            case .invalidKey(let name): "\(name) must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)"
            case .unknownKey(let id): "a secret was sealed with key '\(id)', which is not configured (KEYFLOW_PREVIOUS_MASTER_KEYS)"
            case .corrupt: "a stored secret is damaged and cannot be opened"
            }
        }
    }

    public init(keyID: String, base64Key: String, previous: [String: String] = [:]) throws(Failure) {
        self.keyID = keyID
        self.key = try Self.key(base64Key, name: "KEYFLOW_MASTER_KEY")
        var keys: [String: Data] = [:]
        for (id, value) in previous { keys[id] = try Self.key(value, name: "KEYFLOW_PREVIOUS_MASTER_KEYS (\(id))") }
        self.previous = keys
    }

    /// A fixed key for the demo only, so a restarted demo can still open what it sealed. Never for real data.
    static let demo = SecretBox(
        keyID: "demo", key: Data(SHA256.hash(data: Data("keyflow demo secrets".utf8))), previous: [:])

    private init(keyID: String, key: Data, previous: [String: Data]) {
        self.keyID = keyID
        self.key = key
        self.previous = previous
    }

    private static func key(_ base64: String, name: String) throws(Failure) -> Data {
        guard let data = Data(base64Encoded: base64), data.count == 32 else { throw .invalidKey(name) }
        return data
    }

    public func seal(_ secret: String) -> String {
        // AES-GCM with a fresh random nonce cannot fail for a valid 256-bit key.
        let box = try! AES.GCM.seal(Data(secret.utf8), using: SymmetricKey(data: key))
        return "v1.\(keyID).\(box.combined!.base64EncodedString())"
    }

    public func open(_ sealed: String) throws(Failure) -> String {
        let parts = sealed.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[0] == "v1", let data = Data(base64Encoded: parts[2]) else { throw .corrupt }
        guard let key = parts[1] == keyID ? key : previous[parts[1]] else { throw .unknownKey(parts[1]) }
        do {
            let opened = try AES.GCM.open(try AES.GCM.SealedBox(combined: data), using: SymmetricKey(data: key))
            return String(decoding: opened, as: UTF8.self)
        } catch {
            throw .corrupt
        }
    }
}
