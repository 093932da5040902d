import Foundation

/// A multipart/form-data body split into its parts. The whole body is already in memory (it was
/// collected under the upload limit), so parsing is a bounded scan with no recursion.
struct MultipartForm {
    struct Part {
        var name: String
        var filename: String?
        var contentType: String?
        var body: ArraySlice<UInt8>
    }

    var parts: [Part]

    /// The boundary of a `multipart/form-data; boundary=...` Content-Type, or nil.
    static func boundary(fromContentType value: String) -> String? {
        guard value.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in value.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let boundary = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return (1...70).contains(boundary.count) ? boundary : nil
            }
        }
        return nil
    }

    /// The `file` parts of a form: each one's file name and where its bytes are in `body`. Only
    /// positions come back, so the caller can cut a file out of the body without a copy.
    static func files(in body: [UInt8], boundary: String) throws -> [(filename: String, range: Range<Int>)] {
        try MultipartForm(body: body, boundary: boundary).parts.filter { $0.name == "file" }.map {
            ($0.filename ?? "upload", $0.body.startIndex..<$0.body.endIndex)
        }
    }

    init(body: [UInt8], boundary: String) throws {
        let delimiter = Array("--\(boundary)".utf8)
        let separator = Array("\r\n--\(boundary)".utf8)
        guard let first = body.firstRange(of: delimiter) else { throw MultipartError("the body does not contain the boundary") }
        var cursor = first.upperBound
        parts = []
        while true {
            if body[cursor...].starts(with: Array("--".utf8)) { break }  // the closing delimiter
            guard body[cursor...].starts(with: [13, 10]) else { throw MultipartError("a boundary is not followed by a line break") }
            cursor += 2
            guard let headerEnd = body[cursor...].firstRange(of: Array("\r\n\r\n".utf8)) else {
                throw MultipartError("a part's headers never end")
            }
            let headers = String(decoding: body[cursor..<headerEnd.lowerBound], as: UTF8.self)
            guard let next = body[headerEnd.upperBound...].firstRange(of: separator) else {
                throw MultipartError("a part is not closed by the boundary")
            }
            parts.append(try Self.part(headers: headers, body: body[headerEnd.upperBound..<next.lowerBound]))
            cursor = next.upperBound
            guard parts.count <= 100 else { throw MultipartError("the form has more than 100 parts") }
        }
    }

    private static func part(headers: String, body: ArraySlice<UInt8>) throws -> Part {
        var name: String?
        var filename: String?
        var contentType: String?
        for line in headers.split(separator: "\r\n") {
            let pair = line.split(separator: ":", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let value = pair[1].trimmingCharacters(in: .whitespaces)
            switch pair[0].lowercased() {
            case "content-disposition":
                for parameter in value.split(separator: ";").dropFirst() {
                    let kv = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard kv.count == 2 else { continue }
                    let unquoted = kv[1].hasPrefix("\"") && kv[1].hasSuffix("\"") && kv[1].count >= 2 ? String(kv[1].dropFirst().dropLast()) : kv[1]
                    if kv[0].lowercased() == "name" { name = unquoted }
                    if kv[0].lowercased() == "filename" { filename = unquoted }
                }
            case "content-type":
                contentType = value
            default:
                break
            }
        }
        guard let name else { throw MultipartError("a part has no name in its Content-Disposition") }
        return Part(name: name, filename: filename, contentType: contentType, body: body)
    }
}

/// A malformed multipart body.
struct MultipartError: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
