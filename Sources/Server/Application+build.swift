import Foundation
import Hummingbird
import Logging
import Pipeline
import ServiceLifecycle

/// Builds the Darkroom application: routes, middleware, and (unless turned off) the workers.
/// `darkroom serve` and the tests use this same builder.
public func buildApplication(_ components: ServiceComponents, logger: Logger = Logger(label: "darkroom")) throws -> some ApplicationProtocol {
    let configuration = components.configuration
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ErrorBodyMiddleware(routes: DocumentedRoutes(document: DocumentedRoutes.servedDocument)))
    router.add(middleware: MetricsMiddleware(metrics: components.metrics))
    HealthController(services: components).addRoutes(to: router)
    router.get("metrics") { _, _ in
        let depth = (try? await components.queue.depth()) ?? 0
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: .init(byteBuffer: ByteBuffer(string: components.metrics.render(queueDepth: depth))))
    }
    router.get("openapi.yaml") { _, _ in
        let text = DocumentedRoutes.servedDocument
        guard !text.isEmpty else { throw APIError.notFound("The OpenAPI document") }
        return Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
    WebUIController().addRoutes(to: router)
    let api = router.group("api")
    if let signer = components.signer {
        api.add(middleware: APIKeyMiddleware(keys: configuration.apiKeys, signer: signer))
    }
    ImagesController(services: components).addRoutes(to: api)
    EventsController(events: components.events, links: components.links).addRoutes(to: api)

    var services: [any Service] = []
    if let webhooks = components.webhooks { services.append(webhooks) }
    if let relay = components.statusFeedRelay { services.append(StatusFeedRelayService(relay: relay)) }
    if configuration.runWorkers {
        services.append(WorkerService(worker: try components.makeWorker(), count: configuration.workerCount))
    }
    let limit = configuration.maxRequestBytes
    return Application(
        router: router,
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: [ContinueHandler(maxBodyBytes: limit)], idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "darkroom"),
        services: services,
        logger: logger
    )
}

/// Runs `darkroom serve` until SIGTERM or SIGINT. The open event streams are ended first: the
/// HTTP server's graceful shutdown waits for in-flight requests, and an event stream never ends
/// by itself. (Services shut down in reverse order, so the closer goes last in the list.)
public func runUntilSignalled(_ app: some ApplicationProtocol, components: ServiceComponents, logger: Logger) async throws {
    let group = ServiceGroup(
        configuration: .init(
            services: [app, EventStreamCloser(events: components.events)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
}
