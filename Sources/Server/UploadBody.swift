import Foundation
import HTTPTypes
import Hummingbird
import Pipeline

/// The four ways an upload arrives, decoded into files. The image format is decided later, by
/// magic bytes; the Content-Type here only says how the body is framed.
enum UploadBody {
    /// Decodes a collected body. Malformed framing is a 400, bad base64 a 422.
    static func files(from bytes: [UInt8], headers: HTTPFields) throws -> [Upload] {
        let contentType = (headers[.contentType] ?? "").lowercased()
        let name = headers[HTTPField.Name("X-Filename")!].map { String($0.prefix(255)) }
        if contentType.hasPrefix("multipart/form-data") {
            guard let boundary = MultipartForm.boundary(fromContentType: headers[.contentType] ?? "") else {
                throw APIError.badRequest("The multipart Content-Type has no usable boundary.")
            }
            let form: MultipartForm
            do {
                form = try MultipartForm(body: bytes, boundary: boundary)
            } catch let error as MultipartError {
                throw APIError.badRequest("The multipart body is malformed: \(error.reason).")
            }
            let files = form.parts.filter { $0.name == "file" }
            guard !files.isEmpty else { throw APIError.badRequest("The form has no 'file' field.") }
            return files.map { Upload(filename: $0.filename ?? "upload", bytes: Array($0.body)) }
        }
        if contentType.hasPrefix("application/json") {
            struct Payload: Decodable {
                var filename: String?
                var data: String
            }
            let payload: Payload
            do {
                payload = try JSONDecoder().decode(Payload.self, from: Data(bytes))
            } catch {
                throw APIError.badRequest("The JSON body must be {\"filename\": \"...\", \"data\": \"<base64>\"}.")
            }
            return [Upload(filename: payload.filename ?? name ?? "upload", bytes: try decodeBase64(Array(payload.data.utf8)))]
        }
        if contentType.hasPrefix("text/plain") {
            return [Upload(filename: name ?? "upload", bytes: try decodeBase64(bytes))]
        }
        if contentType.hasPrefix("image/") || contentType.hasPrefix("application/octet-stream") {
            return [Upload(filename: name ?? "upload", bytes: bytes)]
        }
        throw APIError(
            .unsupportedMediaType, code: "unsupported_media_type",
            message: "Send multipart/form-data with 'file' fields, raw bytes as image/*, base64 as text/plain, or JSON {filename, data}.")
    }

    /// Standard or URL-safe base64, with or without padding, whitespace ignored; an optional
    /// `data:...;base64,` prefix is accepted.
    static func decodeBase64(_ bytes: [UInt8]) throws -> [UInt8] {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("data:"), let comma = text.firstIndex(of: ",") { text = String(text[text.index(after: comma)...]) }
        var cleaned = String(text.filter { !$0.isWhitespace }.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        while cleaned.count % 4 != 0 { cleaned.append("=") }
        guard !cleaned.isEmpty, let data = Data(base64Encoded: cleaned) else {
            throw APIError(.unprocessableContent, code: "invalid_base64", message: "The body is not valid base64.")
        }
        return [UInt8](data)
    }
}
