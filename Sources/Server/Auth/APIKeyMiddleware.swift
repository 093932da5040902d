import Composition
import Foundation
import HTTPTypes
import Hummingbird
import Pipeline
import URLDialects

/// When API keys are configured, every `/api` request needs `Authorization: Bearer <key>`.
/// Two exceptions, for clients that cannot send headers: a GET of an original or variant with a
/// valid signed URL, and the event stream with `?access_token=<key>` (browsers' EventSource
/// cannot set headers).
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let keys: [String]
    let signer: URLSigner

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The scheme is case-insensitive (RFC 9110 §11.1): `bearer` and `BEARER` are `Bearer`.
        if let header = request.headers[.authorization], header.count > 7, header.prefix(7).lowercased() == "bearer ",
            keys.contains(where: { constantTimeEqual($0, header.dropFirst(7).trimmingCharacters(in: .whitespaces)) })
        {
            return try await next(request, context)
        }
        let path = request.uri.path
        let query = request.uri.queryParameters
        if request.method == .get || request.method == .head, path.contains("/original") || path.contains("/variants/"),
            signer.verify(path: path, expires: query["expires"].map(String.init), signature: query["signature"].map(String.init))
        {
            return try await next(request, context)
        }
        if request.method == .get, path == "/api/events", let token = query["access_token"],
            keys.contains(where: { constantTimeEqual($0, String(token)) })
        {
            return try await next(request, context)
        }
        var error = APIError(.unauthorized, code: "unauthorized", message: "An API key is required: send Authorization: Bearer <key>.")
        error.headers[.wwwAuthenticate] = "Bearer"
        throw error
    }
}
