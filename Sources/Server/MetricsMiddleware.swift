import Composition
import Hummingbird

/// Counts every request and its latency for `/metrics`, errors included.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let response = try await next(request, context)
            metrics.requestFinished(method: request.method.rawValue, status: response.status.code, duration: clock.now - started)
            return response
        } catch let error as HTTPResponseError {
            metrics.requestFinished(method: request.method.rawValue, status: error.status.code, duration: clock.now - started)
            throw error
        } catch {
            metrics.requestFinished(method: request.method.rawValue, status: 500, duration: clock.now - started)
            throw error
        }
    }
}
