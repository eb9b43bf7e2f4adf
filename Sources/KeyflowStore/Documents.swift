import Foundation
import KeyflowJSON
import SQLKit

/// JSON documents as the store writes them: dates as exact numbers, so a document reads back equal.
enum Documents {
    static func encode(_ value: some Encodable) throws -> String {
        try JSONCoding.encodedText(value)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, entity: String, id: @autoclosure () -> String) throws -> T {
        do {
            return try JSONCoding.decode(type, from: text)
        } catch {
            throw StoreError.corruptRecord(entity: entity, id: id(), reason: "\(error)")
        }
    }
}

extension UUID {
    /// An id as the store writes it: lower-case text, on both engines.
    var key: String { text(uppercase: false) }
}

extension Date {
    var seconds: Double { timeIntervalSince1970 }
}

extension SQLRow {
    func uuid(_ column: String) throws -> UUID {
        let text = try decode(column: column, as: String.self)
        guard let id = UUID(text: text) else {
            throw StoreError.corruptRecord(entity: column, id: text, reason: "not a UUID")
        }
        return id
    }

    func optionalUUID(_ column: String) throws -> UUID? {
        try decode(column: column, as: String?.self).flatMap(UUID.init(text:))
    }

    func date(_ column: String) throws -> Date {
        Date(timeIntervalSince1970: try decode(column: column, as: Double.self))
    }

    func optionalDate(_ column: String) throws -> Date? {
        try decode(column: column, as: Double?.self).map(Date.init(timeIntervalSince1970:))
    }
}
