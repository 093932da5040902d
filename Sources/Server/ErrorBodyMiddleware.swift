import HTTPTypes
import Hummingbird
import Logging

/// Every answer gets `X-Content-Type-Options: nosniff`, and every error a JSON body: the
/// framework's own errors (a 413 from the body limit, a 404 for an unknown route) and anything
/// unexpected, which is logged with its detail and answered 500 with a message a person can
/// quote.
struct ErrorBodyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let routes: DocumentedRoutes

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = try error.response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound {
            // A documented path with a method it does not take is a 405, with the methods it does.
            if let methods = routes.methods(for: request.uri.path), !methods.isEmpty {
                var api = APIError(
                    .methodNotAllowed, code: "method_not_allowed",
                    message: "\(request.method.rawValue) is not allowed here; use \(methods.joined(separator: ", ")).")
                api.headers[.allow] = methods.joined(separator: ", ")
                response = try api.response(from: request, context: context)
            } else {
                response = try Self.apiError(error).response(from: request, context: context)
            }
        } catch let error as HTTPError {
            response = try Self.apiError(error).response(from: request, context: context)
        } catch let error as HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
            response = try APIError(
                .internalServerError, code: "internal_error",
                message: "The server could not answer this request (request id \(context.id)); the cause is in its log."
            ).response(from: request, context: context)
        }
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return request.method == .head ? Self.headOnly(response) : response
    }

    /// An answer with its body dropped and its length kept, for HEAD.
    static func headOnly(_ response: Response) -> Response {
        var head = response
        head.body = ResponseBody(contentLength: response.body.contentLength) { writer in try await writer.finish(nil) }
        return head
    }

    /// The framework's errors in Darkroom's shape, keeping their status and headers.
    static func apiError(_ error: HTTPError) -> APIError {
        let code: String =
            switch error.status {
            case .contentTooLarge: "file_too_large"
            case .notFound: "not_found"
            case .methodNotAllowed: "method_not_allowed"
            case .badRequest: "bad_request"
            default: "http_\(error.status.code)"
            }
        var api = APIError(error.status, code: code, message: error.body ?? error.status.reasonPhrase)
        for field in error.headers { api.headers.append(field) }
        return api
    }
}
