import Composition
import Foundation
import Hummingbird
import Logging
import NIOCore
import Pipeline
import ServiceLifecycle

extension ImagesController {
    /// The images API over a runtime's parts: what the controller uses, never the runtime.
    init(_ runtime: Runtime, metrics: ServiceMetrics) {
        let configuration = runtime.configuration
        self.init(
            ingestor: runtime.ingestor, metadata: runtime.metadata, blobs: runtime.blobs,
            lifecycle: ImageLifecycle(ingestor: runtime.ingestor, notifier: runtime.streamNotifier, doorbell: runtime.doorbell),
            catalog: runtime.catalog, doorbell: runtime.doorbell, links: runtime.links,
            bodyBudget: BodyBudget(capacity: configuration.bodyBudgetBytes), metrics: metrics, requestPool: runtime.requestPool,
            limits: configuration.limits, maxRequestBytes: configuration.maxRequestBytes)
    }
}

/// Builds the Darkroom application: routes, middleware, and (unless turned off) the workers.
/// `darkroom serve` and the tests use this same builder. `runUntilSignalled` prepares the
/// runtime before the application serves; tests prepare it themselves.
/// `onServerRunning` hears the listening channel (its local address names the port when the
/// configuration asked for port 0).
public func buildApplication(
    _ runtime: Runtime, logger: Logger = Logger(label: "darkroom"), onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let configuration = runtime.configuration
    let metrics = runtime.metrics
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ErrorBodyMiddleware(routes: DocumentedRoutes(document: DocumentedRoutes.servedDocument)))
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    HealthController(queue: runtime.queue, blobs: runtime.blobs).addRoutes(to: router)
    let queue = runtime.queue
    let transformMetrics = runtime.transforms?.metrics
    router.get("metrics") { _, _ in
        let depth = (try? await queue.depth()) ?? 0
        let text = metrics.render(queueDepth: depth) + (transformMetrics?.render() ?? "")
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
    router.get("openapi.yaml") { _, _ in
        let text = DocumentedRoutes.servedDocument
        guard !text.isEmpty else { throw APIError.notFound("The OpenAPI document") }
        return Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
    WebUIController().addRoutes(to: router)
    let api = router.group("api")
    if let signer = runtime.signer {
        api.add(middleware: APIKeyMiddleware(keys: configuration.apiKeys, signer: signer))
    }
    ImagesController(runtime, metrics: metrics).addRoutes(to: api)
    EventsController(events: runtime.events, links: runtime.links).addRoutes(to: api)
    if let transforms = runtime.transforms {
        let controller = TransformController(service: transforms, signer: runtime.signer)
        controller.addRoutes(to: router)
        controller.addAPIRoutes(to: api)
    }

    let limit = configuration.maxRequestBytes
    return Application(
        router: router,
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: [ContinueHandler(maxBodyBytes: limit), HangUpWatcher()],
                idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "darkroom"),
        services: runtime.services(workers: configuration.runWorkers, relay: true),
        onServerRunning: onServerRunning,
        logger: logger
    )
}

/// Runs `darkroom serve` until SIGTERM or SIGINT. The open event streams are ended first: the
/// HTTP server's graceful shutdown waits for in-flight requests, and an event stream never ends
/// by itself. (Services shut down in reverse order, so the closer goes last in the list.)
public func runUntilSignalled(_ app: some ApplicationProtocol, runtime: Runtime, logger: Logger) async throws {
    try await runtime.run([app, EventStreamCloser(events: runtime.events)], logger: logger)
}
