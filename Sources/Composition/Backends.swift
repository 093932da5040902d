import AWSBackends
import AWSSigning
import BlockingWork
import FileStorage
import Foundation
import Logging
import Pipeline
import PostgresBackend
import SQLiteBackend
import ServiceLifecycle

/// The storage, metadata store, job queue and notifiers a `BackendPlan` names, built in two
/// phases:
/// - `build` makes every client and store and does no I/O: nothing is opened, created or
///   looked up, so a configuration mistake is found before anything is touched;
/// - `prepare` runs what must finish before anything serves: schema migrations, the DynamoDB
///   table when asked, folders, queue lookups;
/// - `services` are the clients that must run while the backends are used (PostgreSQL's
///   connection pool will be one); the caller runs them in its service group.
public struct Backends: Sendable {
    public let blobs: any BlobStore
    public let metadata: any MetadataStore
    public let queue: any JobQueue
    /// How a record and its job commit: in one transaction when both live in one database, in
    /// two compensated steps otherwise.
    public let committer: RecordCommitter
    public let notifiers: [any Notifier]
    /// A presigned bucket URL for a blob key, when `s3.presignedLinks` is on.
    public let directLink: (@Sendable (String) -> String?)?
    /// Lifecycle services the backends need running.
    public let services: [any Service]
    /// The stored blobs under a folder, with sizes and times, where the store can list them
    /// (the file store): the on-the-fly cache trims itself with it.
    public let listBlobs: (@Sendable (String) async -> [(key: String, bytes: Int, modified: Date)])?
    /// The S3 client of an S3 storage, for reading `s3://` transform sources in it.
    public let s3: S3Client?
    /// Takes objects dropped under `events.input` in, when that is set.
    public let drops: DropIngestor?
    private let preparation: [@Sendable () async throws -> Void]

    /// Runs the prepare steps in order.
    public func prepare() async throws {
        for step in preparation { try await step() }
    }

    /// What a backend that can announce changes across processes (PostgreSQL's NOTIFY) wakes.
    public struct Wakeups: Sendable {
        /// A job was queued: idle workers look at once.
        public var jobs: @Sendable () async -> Void
        /// A status changed: the status feed relay reads at once.
        public var status: @Sendable () async -> Void

        public init(jobs: @escaping @Sendable () async -> Void = {}, status: @escaping @Sendable () async -> Void = {}) {
            self.jobs = jobs
            self.status = status
        }
    }

    public static func build(
        _ plan: BackendPlan, configuration: DarkroomConfiguration, data: URL, requestPool: BlockingPool, wakeups: Wakeups = Wakeups(),
        environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger = Logger(label: "darkroom")
    ) throws -> Backends {
        let aws: AWSEnvironment?
        do {
            aws = plan.usesAWS ? try AWSEnvironment.load(environment: environment) : nil
        } catch let error as AWSConfigurationError {
            throw ConfigurationError(error.description)
        }
        var preparation: [@Sendable () async throws -> Void] = []
        if let aws {
            // Credentials a role hands out are fetched once before anything serves, so a
            // missing role or token is reported at start, with where it was looked for.
            let provider = CredentialsProvider.shared(for: aws)
            preparation.append { _ = try await provider.credentials() }
        }
        var services: [any Service] = []
        var sqlite: SQLiteStore?
        func database() -> SQLiteStore {
            if let sqlite { return sqlite }
            let store = SQLiteStore(unopened: data.appendingPathComponent("darkroom.sqlite").path)
            sqlite = store
            preparation.append { try await store.prepare() }
            return store
        }

        // Storage.
        let blobs: any BlobStore
        var locate: @Sendable (String) -> String? = { _ in nil }
        var directLink: (@Sendable (String) -> String?)?
        var listBlobs: (@Sendable (String) async -> [(key: String, bytes: Int, modified: Date)])?
        var s3: S3Client?
        switch plan.storage {
        case .s3(let location):
            let client = S3Client(environment: aws!)
            s3 = client
            let store = S3BlobStore(client: client, location: location, serverSideEncryption: configuration.s3ServerSideEncryption)
            blobs = store
            locate = { key in key.hasPrefix("s3://") ? key : "s3://\(location.bucket)/\(location.prefix)\(key)" }
            if configuration.s3PresignedLinks {
                let seconds = configuration.signedURLSeconds
                directLink = { key in try? store.presignedURL(key, expires: seconds) }
            }
        case .files(let directory):
            let store = FileBlobStore(unpreparedRoot: directory.map { URL(fileURLWithPath: $0) } ?? data.appendingPathComponent("blobs"))
            blobs = store
            listBlobs = { await store.entries(under: $0) }
            preparation.append { try await store.prepare() }
        }

        // Metadata.
        let metadata: any MetadataStore
        var metadataDatabase: SQLiteStore?
        var postgres: PostgresStore?
        switch plan.metadata {
        case .dynamoDB(let table):
            let client = DynamoDBClient(environment: aws!)
            if configuration.dynamoDBCreateTable { preparation.append { try await DynamoDBMetadataStore.createTable(client: client, table: table) } }
            metadata = DynamoDBMetadataStore(client: client, table: table, locate: locate)
        case .sqlite:
            metadataDatabase = database()
            metadata = database()
        case .postgres(let settings):
            let store = try PostgresStore(settings: settings, logger: logger)
            postgres = store
            metadata = store
            // The pool runs as a service; the schema is checked, never changed, before anything
            // serves (`darkroom migrate` changes it).
            services.append(store.service)
            services.append(
                PostgresListener(settings: settings, handlers: ["darkroom_jobs": wakeups.jobs, "darkroom_status": wakeups.status], logger: logger))
            preparation.append { try await store.checkSchema() }
        }

        // The queue.
        let queue: any JobQueue
        var committer: RecordCommitter?
        var drops: DropIngestor?
        if let events = plan.events {
            let intake = OriginalIntake(blobs: blobs, metadata: metadata, limits: configuration.limits, pool: requestPool)
            do {
                drops = try DropIngestor(
                    intake: intake, reader: S3Client(environment: aws!), input: events.input, output: events.output, recipe: events.recipe)
            } catch let error as OverlappingLocationsError {
                throw ConfigurationError(error.description)
            }
        }
        if let events = plan.events, let eventsQueue = events.queue, let drops {
            let sqs = SQSClient(environment: aws!)
            queue = S3EventQueue(sqs: sqs, queue: eventsQueue, drops: drops, logger: logger)
            preparation.append { _ = try await sqs.queueURL(eventsQueue) }
        } else if case .sqs(let reference) = plan.queue {
            let sqs = SQSClient(environment: aws!)
            queue = SQSJobQueue(client: sqs, queue: reference)
            preparation.append { _ = try await sqs.queueURL(reference) }
        } else if case .postgres = plan.queue, let postgres {
            queue = postgres
            committer = .together(postgres)
        } else {
            queue = database()
            // Records and jobs in the one database: they commit together.
            if let metadataDatabase { committer = .together(metadataDatabase) }
        }

        // Notifications.
        var notifiers: [any Notifier] = []
        if let aws {
            for topic in plan.topics {
                notifiers.append(
                    SNSNotifier(client: SNSClient(environment: aws), topicARN: topic, metadata: metadata, locate: locate, logger: logger))
            }
        }
        return Backends(
            blobs: blobs, metadata: metadata, queue: queue, committer: committer ?? .separate(metadata: metadata, queue: queue),
            notifiers: notifiers, directLink: directLink, services: services, listBlobs: listBlobs, s3: s3, drops: drops, preparation: preparation)
    }
}
