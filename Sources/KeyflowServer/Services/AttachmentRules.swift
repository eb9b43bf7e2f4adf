import Foundation

/// What files may be attached to actions, and how their names are made safe.
enum AttachmentRules {
    /// Content types accepted, with the leading bytes a real file of that type starts with (nil: text, unchecked).
    static let accepted: [String: [UInt8]?] = [
        "application/pdf": Array("%PDF-".utf8),
        "image/png": [0x89, 0x50, 0x4E, 0x47],
        "image/jpeg": [0xFF, 0xD8, 0xFF],
        "image/gif": Array("GIF8".utf8),
        "image/webp": Array("RIFF".utf8),
        "text/plain": nil,
        "text/csv": nil,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": [0x50, 0x4B, 0x03, 0x04],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [0x50, 0x4B, 0x03, 0x04],
    ]

    /// Checks the declared type against the list and against the file's own first bytes.
    static func checkedContentType(_ declared: String, data: Data) throws(APIError) -> String {
        let type = declared.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard let signature = accepted[type] else {
            throw APIError.unsupportedMediaType(
                "files of type '\(type)' cannot be attached; accepted: \(accepted.keys.sorted().joined(separator: ", "))")
        }
        if let signature, !data.starts(with: signature) {
            throw APIError.unsupportedMediaType("the file's content is not \(type), as its declared type says")
        }
        if signature == nil, String(data: data, encoding: .utf8) == nil {
            throw APIError.unsupportedMediaType("a \(type) file must be UTF-8 text")
        }
        return type
    }

    /// Keeps only the last path component and printable characters, so a name can never point anywhere.
    static func safeName(_ name: String) -> String {
        let lastComponent = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let printable = lastComponent.unicodeScalars.filter { !$0.properties.generalCategory.isControlOrFormat }
        var cleaned = String(String.UnicodeScalarView(printable)).trimmingCharacters(in: .whitespaces)
        while cleaned.hasPrefix(".") { cleaned.removeFirst() }
        return cleaned.isEmpty ? "file" : String(cleaned.prefix(200))
    }
}

extension Unicode.GeneralCategory {
    var isControlOrFormat: Bool { self == .control || self == .format || self == .lineSeparator || self == .paragraphSeparator }
}
