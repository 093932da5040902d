import HTTPTypes
import Hummingbird
import Logging

/// Logs every request once it is answered (method, path, status, milliseconds) with its request
/// id, and returns the id to the client as `X-Request-Id` so a report can be matched to a log line.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let clock = ContinuousClock()
        let started = clock.now
        var status = 500
        defer {
            let elapsed = clock.now - started
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            context.logger.info(
                "request",
                metadata: [
                    "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "status": "\(status)",
                    "ms": "\(Int(milliseconds.rounded()))",
                ])
        }
        do {
            var response = try await next(request, context)
            status = response.status.code
            response.headers[HTTPField.Name("X-Request-Id")!] = context.id
            return response
        } catch let error as HTTPResponseError {
            status = error.status.code
            throw error
        }
    }
}
