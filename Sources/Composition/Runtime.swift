import BlockingWork
import FaceDetection
import Foundation
import Imaging
import Logging
import OnTheFly
import Pipeline
import RenderIsolation
import ServiceLifecycle
import URLDialects
import Webhooks

/// The composition root: every part of a running Darkroom, built from the configuration for any
/// command (`serve`, `worker`, `migrate`, and the next entry points), with no HTTP framework.
///
/// It starts in two phases. `init` builds and does no I/O beyond reading configuration files
/// (the recipes; the AWS credentials and config files when an AWS backend is named): no
/// file is opened, no table created, no queue looked up. `prepare` then runs the backends'
/// migrations and checks before anything serves. `services` lists what must run while the
/// parts are in use, for the caller's service group.
public struct Runtime: Sendable {
    public let configuration: DarkroomConfiguration
    public let plan: BackendPlan
    public let backends: Backends
    public let catalog: RecipeCatalog
    public let ingestor: Ingestor
    /// Every status change of this process, for the event stream.
    public let events: EventBroadcaster
    /// Where this process reports status changes for the event stream: straight to `events`, or,
    /// when the metadata store keeps a status feed, to the relay's doorbell: the relay then
    /// publishes every change, from every process, exactly once, and this process's at once.
    public let streamNotifier: any Notifier
    /// Rung by `streamNotifier` so the relay publishes this process's changes at once.
    let relayWake: Doorbell
    /// Rung when a job is queued, so an idle worker in this process starts at once.
    public let doorbell: Doorbell
    /// Signs original and variant URLs when API keys are on; nil when the API is open.
    public let signer: URLSigner?
    /// How the API, the event stream and webhooks link to originals and variants.
    public let links: BlobLinks
    /// Signed POSTs for finished images, when webhook URLs are configured.
    public let webhooks: WebhookNotifier?
    /// Request-time blocking work (upload probes, hashing, body decoding), apart from renders so
    /// that a render backlog never delays an upload's answer. Bounded: when full, uploads are
    /// answered 503.
    public let requestPool: BlockingPool
    /// Where workers render: child processes, or a thread pool of this process.
    public let renderer: any Renderer
    /// The face detector's settings, handed to every render child; nil when it is off.
    public let faces: FaceSettings?
    /// That thread pool, when renders run in this process (`worker.isolation: none`).
    public let renderPool: BlockingPool?
    /// Jobs, uploads and requests of this process, for `/metrics`.
    public let metrics = ServiceMetrics()
    /// On-the-fly URLs; nil when `transform.enabled` is off. Settable inside the module so
    /// tests can hand it a renderer they control.
    public internal(set) var transforms: TransformService?

    public var metadata: any MetadataStore { backends.metadata }
    public var queue: any JobQueue { backends.queue }
    public var blobs: any BlobStore { backends.blobs }
    public var committer: RecordCommitter { backends.committer }

    public init(
        configuration: DarkroomConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "darkroom")
    ) throws {
        self.configuration = configuration
        plan = try BackendPlan(configuration)
        catalog = try RecipeCatalog.load(file: configuration.recipesFile)
        if let events = plan.events, catalog.recipe(named: events.recipe) == nil {
            throw ConfigurationError("events.recipe: unknown recipe '\(events.recipe)'; known: \(catalog.names.joined(separator: ", "))")
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        requestPool = BlockingPool(threads: max(2, cores), maxWaiting: 64 * max(2, cores), name: "darkroom-request")
        let data = URL(fileURLWithPath: configuration.dataDirectory).standardizedFileURL
        let (doorbell, relayWake) = (Doorbell(), Doorbell())
        self.doorbell = doorbell
        self.relayWake = relayWake
        backends = try Backends.build(
            plan, configuration: configuration, data: data, requestPool: requestPool,
            wakeups: Backends.Wakeups(jobs: { await doorbell.ring() }, status: { await relayWake.ring() }), environment: environment, logger: logger)
        events = EventBroadcaster()
        streamNotifier = backends.metadata.statusFeed == nil ? events : RelayWakeNotifier(wake: relayWake)
        let faces = try configuration.faces.settings(environment: environment)
        self.faces = faces
        switch configuration.isolation {
        case .process:
            renderer = ChildRenderer.ofThisBinary(
                recipesFile: configuration.recipesFile, limits: configuration.limits, faces: faces, slots: configuration.workerCount,
                timeout: configuration.worker.visibility, logLabel: "darkroom.render", recycleAboveBytes: configuration.childMaxBytes)
            renderPool = nil
        case .none:
            let pool = BlockingPool(threads: configuration.workerCount, name: "darkroom-render")
            renderer = try InProcessRenderer(
                catalog: catalog, limits: configuration.limits, pool: pool, detector: faces.map { LazyFaceDetector(settings: $0) })
            renderPool = pool
        }
        if configuration.apiKeys.isEmpty {
            signer = nil
        } else {
            let key = configuration.signingKey.map { Array($0.utf8) } ?? (0..<32).map { _ in UInt8.random(in: .min ... .max) }
            signer = URLSigner(key: key, lifetime: TimeInterval(configuration.signedURLSeconds))
        }
        let links = BlobLinks(signer: signer, direct: backends.directLink)
        self.links = links
        if configuration.webhookURLs.isEmpty {
            webhooks = nil
        } else {
            webhooks = WebhookNotifier(
                settings: WebhookSettings(
                    urls: configuration.webhookURLs, secret: configuration.webhookSecret ?? "",
                    retry: RetryPolicy(maxAttempts: configuration.webhookMaxAttempts)),
                render: { EventPayload.json($0, links: links) })
        }
        transforms =
            try configuration.transform.enabled
            ? Self.transformService(configuration: configuration, backends: backends, catalog: catalog, requestPool: requestPool, faces: faces) : nil
        ingestor = Ingestor(
            intake: OriginalIntake(blobs: backends.blobs, metadata: backends.metadata, limits: configuration.limits, pool: requestPool),
            committer: backends.committer, catalog: catalog, maxQueueDepth: configuration.maxQueueDepth)
    }

    /// Runs `services` until SIGTERM or SIGINT, in order: the backends' own services (a
    /// database pool) first, then `prepare`, and only then `services`, so nothing serves before
    /// the backends are ready. A failure to prepare is a `PrepareError`.
    public func run(_ services: [any Service], logger: Logger) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            let backendGroup = ServiceGroup(configuration: .init(services: backends.services, logger: logger))
            if !backends.services.isEmpty { group.addTask { try await backendGroup.run() } }
            do {
                try await prepare()
            } catch {
                await backendGroup.triggerGracefulShutdown()
                group.cancelAll()
                throw PrepareError(cause: error)
            }
            let main = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            // From here on SIGTERM and SIGINT stop the command gracefully (e2e/test_shutdown.py).
            logger.info("the backends are ready; running until SIGTERM or SIGINT")
            do {
                try await main.run()
            } catch {
                await backendGroup.triggerGracefulShutdown()
                throw error
            }
            await backendGroup.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }

    /// Runs `body` with the backends' services running and the backends prepared, then stops
    /// the services: for commands that use the stores and end (`ingest`). A failure to prepare
    /// is a `PrepareError`.
    public func withBackends<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            for service in backends.services {
                group.addTask {
                    try await service.run()
                    return nil
                }
            }
            defer { group.cancelAll() }
            do {
                try await prepare()
            } catch {
                throw PrepareError(cause: error)
            }
            return try await body()
        }
    }

    /// The second phase: the data folder, then the backends' migrations and checks. Run it
    /// once, before anything serves; the backends' services must be running (`run` sees to it).
    public func prepare() async throws {
        let data = configuration.dataDirectory
        try await requestPool.run { try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true) }
        // The face model is loaded and run once now, so a corrupt file stops the start with a
        // message instead of failing the first redacting image. It is CPU work and the backends'
        // preparation is round trips, so the two overlap: a cold start waits for the longer only.
        let (faces, pool) = (self.faces, requestPool)
        async let modelChecked: Void = {
            guard let faces else { return }
            do {
                try await pool.run { try CenterFaceDetector.check(faces) }
            } catch let error as ImagingError {
                throw ConfigurationError("faces: \(error.message)")
            }
        }()
        try await backends.prepare()
        try await modelChecked
    }

    /// Publishes the metadata store's status feed to `events`, when the store keeps one.
    public var statusFeedRelay: StatusFeedRelay? {
        metadata.statusFeed.map { StatusFeedRelay(feed: $0, metadata: metadata, events: events, wake: relayWake) }
    }

    /// Everyone told of a status change a worker makes: the event stream, webhooks, SNS.
    public var notifier: any Notifier {
        NotifierFanOut([streamNotifier] + (webhooks.map { [$0] } ?? []) + backends.notifiers)
    }

    /// A worker over these parts; `metrics` hears how each job ended. A Lambda invocation
    /// passes the queue of its own records and its own retry settings.
    public func makeWorker(
        queue: (any JobQueue)? = nil, settings: WorkerSettings? = nil, logger: Logger = Logger(label: "darkroom.worker")
    ) -> Worker {
        Worker(
            blobs: blobs, metadata: metadata, queue: queue ?? self.queue, notifier: notifier, renderer: renderer, limits: configuration.limits,
            settings: settings ?? configuration.worker, doorbell: doorbell, observer: metrics, logger: logger)
    }

    /// What must run while this process works, besides the backends' own services (which `run`
    /// starts first): webhook delivery, the status feed relay (`relay`), and the workers.
    public func services(workers: Bool, relay: Bool) -> [any Service] {
        var services: [any Service] = []
        if let webhooks { services.append(webhooks) }
        if relay, let relay = statusFeedRelay { services.append(StatusFeedRelayService(relay: relay)) }
        if workers { services.append(WorkerService(worker: makeWorker(), count: configuration.workerCount)) }
        return services
    }
}

/// The backends could not be made ready: unreachable, refused, or on a schema this build does
/// not know. The cause says which.
public struct PrepareError: Error, CustomStringConvertible {
    public var cause: any Error
    public var description: String { "the backends are not ready: \(cause)" }
}
