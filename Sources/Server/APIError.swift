import BlockingWork
import Foundation
import HTTPTypes
import Hummingbird
import Imaging
import Pipeline

/// An error answered as `{"error": {"code", "message"}}` with its HTTP status.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        let data = try encoder.encode(ErrorBody(error: .init(code: code, message: message)))
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    public static func notFound(_ what: String) -> APIError {
        APIError(.notFound, code: "not_found", message: "\(what) was not found.")
    }

    public static func badRequest(_ message: String) -> APIError {
        APIError(.badRequest, code: "bad_request", message: message)
    }

    /// How the HTTP API answers a refused upload: the one place ingest kinds become statuses.
    public static func from(_ error: IngestError) -> APIError {
        let status: HTTPResponse.Status =
            switch error.kind {
            case .badRequest: .badRequest
            case .unknownRecipe, .keyReused: .unprocessableContent
            case .busy: .serviceUnavailable
            case .conflict: .conflict
            case .gone: .gone
            case .refused(let imaging): Self.status(imaging)
            }
        var api = APIError(status, code: error.code, message: error.message)
        if status == .serviceUnavailable { api.headers[.retryAfter] = "5" }
        return api
    }

    /// The request pool is full: the server has more uploads to read than it has room for.
    public static func busy(_ error: BlockingPoolBusy) -> APIError {
        var api = APIError(
            .serviceUnavailable, code: "server_busy", message: "The server is busy with other uploads (\(error.waiting) waiting); try again shortly.")
        api.headers[.retryAfter] = "2"
        return api
    }

    /// The status of an image the probe refused.
    static func status(_ kind: ImagingError.Kind) -> HTTPResponse.Status {
        switch kind {
        case .fileTooLarge: .contentTooLarge
        case .unsupportedFormat, .formatNotAllowed: .unsupportedMediaType
        case .emptyInput: .badRequest
        case .tooManyPixels, .tooManyFrames, .corrupt, .invalidArgument: .unprocessableContent
        case .processingFailed, .encodeFailed, .startupFailed, .detectionFailed: .internalServerError
        }
    }
}

/// The JSON shape of every error answer.
struct ErrorBody: Codable {
    struct Detail: Codable {
        var code: String
        var message: String
    }
    var error: Detail
}
