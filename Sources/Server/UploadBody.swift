import Foundation
import HTTPTypes
import Hummingbird
import Imaging
import Pipeline

/// The four ways an upload arrives, decoded into files. The image format is decided later, by
/// magic bytes; the Content-Type here only says how the body is framed.
enum UploadBody {
    /// Decodes a collected body. Malformed framing is a 400, bad base64 a 422. The body is
    /// taken, not copied: a single multipart file is cut out of it in place.
    /// `query` is the `regions` query parameter, if any.
    static func files(from bytes: consuming [UInt8], headers: HTTPFields, query: String? = nil) throws -> [Upload] {
        let contentType = (headers[.contentType] ?? "").lowercased()
        let name = headers[HTTPField.Name("X-Filename")!]
        // Raw and base64 bodies carry their regions in a header or the query.
        let outside = try RegionsField.parse(
            headers[HTTPField.Name("X-Regions")!] ?? query, field: headers[HTTPField.Name("X-Regions")!] != nil ? "X-Regions" : "regions")
        if contentType.hasPrefix("multipart/form-data") {
            guard let boundary = MultipartForm.boundary(fromContentType: headers[.contentType] ?? "") else {
                throw APIError.badRequest("The multipart Content-Type has no usable boundary.")
            }
            let files: [(filename: String, range: Range<Int>)]
            let field: String?
            do {
                files = try MultipartForm.files(in: bytes, boundary: boundary)
                field = try MultipartForm.field("regions", in: bytes, boundary: boundary)
            } catch let error as MultipartError {
                throw APIError.badRequest("The multipart body is malformed: \(error.reason).")
            }
            guard !files.isEmpty else { throw APIError.badRequest("The form has no 'file' field.") }
            // A `regions` form field applies to every file of the form.
            let regions = field != nil ? try RegionsField.parse(field, field: "regions") : outside
            if files.count == 1, let file = files.first {
                var body = consume bytes
                body.removeSubrange(file.range.upperBound...)
                body.removeSubrange(..<file.range.lowerBound)
                return [Upload(filename: file.filename, bytes: body, regions: regions)]
            }
            return files.map { Upload(filename: $0.filename, bytes: Array(bytes[$0.range]), regions: regions) }
        }
        if contentType.hasPrefix("application/json") {
            struct Payload: Decodable {
                var filename: String?
                var data: String
            }
            struct RegionsPayload: Decodable {
                var regions: [RegionsField.Box]?
            }
            let json = Data(bytes)
            let payload: Payload
            do {
                payload = try JSONDecoder().decode(Payload.self, from: json)
            } catch {
                throw APIError.badRequest("The JSON body must be {\"filename\": \"...\", \"data\": \"<base64>\", \"regions\": [...]}.")
            }
            let regions: [Region]
            do {
                regions =
                    try JSONDecoder().decode(RegionsPayload.self, from: json).regions.map { try RegionsField.regions($0, field: "regions") }
                    ?? outside
            } catch let error as APIError {
                throw error
            } catch {
                throw RegionsField.invalid(
                    "regions", "must be a list of {\"x\", \"y\", \"width\", \"height\"} objects, fractions (0 to 1) of the image")
            }
            return [Upload(filename: payload.filename ?? name ?? "upload", bytes: try decodeBase64(Array(payload.data.utf8)), regions: regions)]
        }
        if contentType.hasPrefix("text/plain") {
            return [Upload(filename: name ?? "upload", bytes: try decodeBase64(bytes), regions: outside)]
        }
        if contentType.hasPrefix("image/") || contentType.hasPrefix("application/octet-stream") {
            return [Upload(filename: name ?? "upload", bytes: bytes, regions: outside)]
        }
        throw APIError(
            .unsupportedMediaType, code: "unsupported_media_type",
            message: "Send multipart/form-data with 'file' fields, raw bytes as image/*, base64 as text/plain, or JSON {filename, data}.")
    }

    /// Standard or URL-safe base64, with or without padding, whitespace ignored; an optional
    /// `data:...;base64,` prefix is accepted. Decoded byte by byte into one buffer of the final
    /// size, so a body takes about 1.75× its size in memory, not 20×.
    static func decodeBase64(_ bytes: [UInt8]) throws -> [UInt8] {
        let invalid = APIError(.unprocessableContent, code: "invalid_base64", message: "The body is not valid base64.")
        var start = 0
        if bytes.starts(with: Array("data:".utf8)), let comma = bytes.firstIndex(of: UInt8(ascii: ",")) { start = comma + 1 }
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count - start) / 4 * 3 + 3)
        var quad: UInt32 = 0
        var filled = 0
        var padding = 0
        for byte in bytes[start...] {
            let value: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"), UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): value = 63
            case UInt8(ascii: "="):
                padding += 1
                continue
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): continue
            default: throw invalid
            }
            guard padding == 0 else { throw invalid }  // data after padding
            quad = quad << 6 | value
            filled += 1
            if filled == 4 {
                out.append(UInt8(truncatingIfNeeded: quad >> 16))
                out.append(UInt8(truncatingIfNeeded: quad >> 8))
                out.append(UInt8(truncatingIfNeeded: quad))
                quad = 0
                filled = 0
            }
        }
        switch filled {
        case 0: break
        case 2: out.append(UInt8(truncatingIfNeeded: quad >> 4))
        case 3:
            out.append(UInt8(truncatingIfNeeded: quad >> 10))
            out.append(UInt8(truncatingIfNeeded: quad >> 2))
        default: throw invalid
        }
        guard !out.isEmpty, padding <= 2 else { throw invalid }
        return out
    }
}

/// A request body as it arrives, handed to the request pool without a copy.
///
/// `@unchecked Sendable`: one task at a time uses it: the handler fills it, then the pool
/// thread takes its bytes, after the handler has stopped touching it.
final class ReceivedBody: @unchecked Sendable {
    var bytes: [UInt8] = []

    /// The bytes, leaving this empty, so the taker holds the only reference.
    func take() -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }
}
