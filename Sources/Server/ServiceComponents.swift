import FileStorage
import Foundation
import Imaging
import Logging
import Pipeline
import RenderIsolation
import SQLiteBackend
import Webhooks

/// The parts of a running service, built once from the configuration and shared by the
/// controllers and the workers.
public struct ServiceComponents: Sendable {
    public let configuration: ServerConfiguration
    public let metadata: any MetadataStore
    public let queue: any JobQueue
    /// How records and their jobs commit (see `RecordCommitter`).
    public let committer: RecordCommitter
    public let blobs: any BlobStore
    /// SNS topics, besides the event stream and webhooks.
    public let notifiers: [any Notifier]
    /// Presigned bucket links for blob keys, when storage is S3 and `s3.presignedLinks` is on.
    let directLink: (@Sendable (String) -> String?)?
    public let events: EventBroadcaster
    /// Where this process reports status changes for the event stream: straight to `events`, or,
    /// when the metadata store keeps a status feed, to the relay's doorbell: the relay then
    /// publishes every change, from every process, exactly once, and this process's at once.
    public let streamNotifier: any Notifier
    /// Rung by `streamNotifier` so the relay publishes this process's changes at once.
    let relayWake: Doorbell
    public let catalog: RecipeCatalog
    public let ingestor: Ingestor
    public let doorbell: Doorbell
    /// Signs original and variant URLs when API keys are on; nil when the API is open.
    let signer: URLSigner?
    /// Signed POSTs for finished images, when webhook URLs are configured.
    public let webhooks: WebhookNotifier?
    let metrics: ServiceMetrics
    /// Request bodies held in memory at once.
    let bodyBudget: BodyBudget
    let pool: BlockingPool
    /// Where workers render: child processes, or `pool`.
    public let renderer: any Renderer

    public init(configuration: ServerConfiguration) async throws {
        self.configuration = configuration
        let data = URL(fileURLWithPath: configuration.dataDirectory).standardizedFileURL
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let backends = try await Backends.make(configuration, data: data)
        metadata = backends.metadata
        queue = backends.queue
        committer = backends.committer
        blobs = backends.blobs
        notifiers = backends.notifiers
        directLink = backends.directLink
        events = EventBroadcaster()
        relayWake = Doorbell()
        streamNotifier = metadata.statusFeed == nil ? events : RelayWakeNotifier(wake: relayWake)
        catalog = try RecipeCatalog.load(file: configuration.recipesFile)
        pool = BlockingPool(threads: max(1, configuration.workerCount))
        switch configuration.isolation {
        case .process:
            renderer = ChildRenderer(
                settings: .init(
                    executable: ChildRenderer.Settings.currentExecutable,
                    arguments: RenderChild.arguments(recipesFile: configuration.recipesFile, limits: configuration.limits),
                    slots: configuration.workerCount, timeout: configuration.worker.visibility, maxSourceBytes: configuration.limits.maxFileBytes),
                logger: Logger(label: "darkroom.render"))
        case .none:
            renderer = try InProcessRenderer(catalog: catalog, limits: configuration.limits, pool: pool)
        }
        doorbell = Doorbell()
        metrics = ServiceMetrics()
        bodyBudget = BodyBudget(capacity: configuration.bodyBudgetBytes)
        if configuration.apiKeys.isEmpty {
            signer = nil
        } else {
            let key = configuration.signingKey.map { Array($0.utf8) } ?? (0..<32).map { _ in UInt8.random(in: .min ... .max) }
            signer = URLSigner(key: key, lifetime: TimeInterval(configuration.signedURLSeconds))
        }
        if configuration.webhookURLs.isEmpty {
            webhooks = nil
        } else {
            let links = BlobLinks(signer: signer, direct: directLink)
            webhooks = WebhookNotifier(
                settings: WebhookSettings(
                    urls: configuration.webhookURLs, secret: configuration.webhookSecret ?? "",
                    retry: RetryPolicy(maxAttempts: configuration.webhookMaxAttempts)),
                render: { EventsController.payload($0, links: links) })
        }
        ingestor = Ingestor(
            blobs: blobs, metadata: metadata, committer: committer, catalog: catalog, limits: configuration.limits,
            maxQueueDepth: configuration.maxQueueDepth, pool: pool)
    }

    /// Publishes the metadata store's status feed to `events`, when the store keeps one.
    public var statusFeedRelay: StatusFeedRelay? {
        metadata.statusFeed.map { StatusFeedRelay(feed: $0, metadata: metadata, events: events, wake: relayWake) }
    }

    /// How the API links to originals and variants.
    var links: BlobLinks { BlobLinks(signer: signer, direct: directLink) }

    /// A worker over these components.
    public func makeWorker() throws -> Worker {
        Worker(
            blobs: blobs, metadata: metadata, queue: queue,
            notifier: NotifierFanOut([streamNotifier] + (webhooks.map { [$0] } ?? []) + notifiers),
            renderer: renderer, limits: configuration.limits,
            settings: configuration.worker, doorbell: doorbell, observer: metrics)
    }
}
