import Foundation

/// The one file part of a `multipart/form-data` upload (RFC 7578), read from a body already in memory.
struct MultipartFile: Equatable {
    var fieldName: String
    var fileName: String
    var contentType: String
    var data: Data

    enum ParseError: Error, Equatable {
        case notMultipart
        case malformed(String)
        case noFile
    }

    static func boundary(fromContentType header: String) -> String? {
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for part in parts.dropFirst() where part.lowercased().hasPrefix("boundary=") {
            let value = part.dropFirst("boundary=".count)
            let unquoted = value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 ? value.dropFirst().dropLast() : value
            return unquoted.isEmpty || unquoted.count > 70 ? nil : String(unquoted)
        }
        return nil
    }

    /// Finds the first part that carries a filename.
    static func parse(body: Data, contentType: String) throws(ParseError) -> MultipartFile {
        guard let boundary = boundary(fromContentType: contentType) else { throw .notMultipart }
        let delimiter = Data("--\(boundary)".utf8)
        let headerEnd = Data("\r\n\r\n".utf8)
        var cursor = body.startIndex
        guard let first = body.range(of: delimiter, in: cursor..<body.endIndex) else {
            throw .malformed("the boundary never appears in the body")
        }
        cursor = first.upperBound
        while true {
            // After a delimiter comes "--" (the end) or CRLF and the part's headers.
            if body[cursor...].starts(with: Data("--".utf8)) { throw .noFile }
            guard body[cursor...].starts(with: Data("\r\n".utf8)) else { throw .malformed("a delimiter is not followed by a line break") }
            let partStart = cursor + 2
            guard let headersRange = body.range(of: headerEnd, in: partStart..<body.endIndex) else {
                throw .malformed("a part has no end of headers")
            }
            guard let next = body.range(of: Data("\r\n".utf8) + delimiter, in: headersRange.upperBound..<body.endIndex) else {
                throw .malformed("the last part is not closed by the boundary")
            }
            let headers = String(decoding: body[partStart..<headersRange.lowerBound], as: UTF8.self)
            if let file = filePart(headers: headers, data: body[headersRange.upperBound..<next.lowerBound]) {
                return file
            }
            cursor = next.upperBound
        }
    }

    private static func filePart(headers: String, data: Data) -> MultipartFile? {
        var disposition = ""
        var type = "application/octet-stream"
        for line in headers.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-disposition" { disposition = value }
            if name == "content-type" { type = value }
        }
        guard let fileName = parameter("filename", in: disposition) else { return nil }
        return MultipartFile(
            fieldName: parameter("name", in: disposition) ?? "", fileName: fileName, contentType: type, data: Data(data))
    }

    private static func parameter(_ name: String, in header: String) -> String? {
        for part in header.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard part.lowercased().hasPrefix("\(name)=") else { continue }
            var value = part.dropFirst(name.count + 1)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            return String(value)
        }
        return nil
    }
}
