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
        var builder = try Builder(plan: plan, configuration: configuration, data: data, environment: environment, logger: logger)
        let storage = try builder.storage(plan.storage)
        let metadata = try builder.metadata(plan.metadata, locate: storage.locate, wakeups: wakeups)
        let drops = try builder.drops(plan.events, blobs: storage.blobs, metadata: metadata.store, requestPool: requestPool)
        let queue = try builder.queue(plan, drops: drops, metadata: metadata)
        let notifiers = try builder.notifiers(plan.topics, metadata: metadata.store, locate: storage.locate)
        return Backends(
            blobs: storage.blobs, metadata: metadata.store, queue: queue.queue,
            committer: queue.committer ?? .separate(metadata: metadata.store, queue: queue.queue), notifiers: notifiers,
            directLink: storage.directLink, services: builder.services, listBlobs: storage.listBlobs, s3: storage.s3, drops: drops,
            preparation: builder.preparation)
    }
}

/// `Backends.build`'s parts, one function per kind of backend. Each adds the prepare steps and
/// services its backend needs; none does I/O.
private struct Builder {
    let plan: BackendPlan
    let configuration: DarkroomConfiguration
    let data: URL
    let logger: Logger
    /// Loaded only when the plan names an AWS service.
    private let aws: AWSEnvironment?
    private var sqlite: SQLiteStore?
    var preparation: [@Sendable () async throws -> Void] = []
    var services: [any Service] = []

    init(plan: BackendPlan, configuration: DarkroomConfiguration, data: URL, environment: [String: String], logger: Logger) throws {
        self.plan = plan
        self.configuration = configuration
        self.data = data
        self.logger = logger
        do {
            aws = plan.usesAWS ? try AWSEnvironment.load(environment: environment) : nil
        } catch let error as AWSConfigurationError {
            throw ConfigurationError(error.description)
        }
        if let aws {
            // Credentials a role hands out are fetched once before anything serves, so a
            // missing role or token is reported at start, with where it was looked for.
            let provider = CredentialsProvider.shared(for: aws)
            preparation.append { _ = try await provider.credentials() }
        }
    }

    /// The AWS environment, for a backend that is an AWS service.
    func awsEnvironment(for backend: String) throws -> AWSEnvironment {
        guard let aws else { throw ConfigurationError("\(backend) needs AWS settings, and the plan named no AWS service") }
        return aws
    }

    /// The one SQLite database in the data folder, opened in `prepare`.
    mutating func database() -> SQLiteStore {
        if let sqlite { return sqlite }
        let store = SQLiteStore(unopened: data.appendingPathComponent("darkroom.sqlite").path)
        sqlite = store
        preparation.append { try await store.prepare() }
        return store
    }

    struct Storage {
        var blobs: any BlobStore
        var locate: @Sendable (String) -> String? = { _ in nil }
        var directLink: (@Sendable (String) -> String?)?
        var listBlobs: (@Sendable (String) async -> [(key: String, bytes: Int, modified: Date)])?
        var s3: S3Client?
    }

    mutating func storage(_ storage: BackendPlan.Storage) throws -> Storage {
        switch storage {
        case .s3(let location):
            let client = S3Client(environment: try awsEnvironment(for: "S3 storage"))
            let store = S3BlobStore(client: client, location: location, serverSideEncryption: configuration.s3ServerSideEncryption)
            var result = Storage(blobs: store, s3: client)
            result.locate = { key in key.hasPrefix("s3://") ? key : "s3://\(location.bucket)/\(location.prefix)\(key)" }
            if configuration.s3PresignedLinks {
                let seconds = configuration.signedURLSeconds
                result.directLink = { key in try? store.presignedURL(key, expires: seconds) }
            }
            return result
        case .files(let directory):
            let store = FileBlobStore(unpreparedRoot: directory.map { URL(fileURLWithPath: $0) } ?? data.appendingPathComponent("blobs"))
            preparation.append { try await store.prepare() }
            return Storage(blobs: store, listBlobs: { await store.entries(under: $0) })
        }
    }

    struct Metadata {
        var store: any MetadataStore
        /// Set when the records live in a database that can hold the jobs too.
        var sqlite: SQLiteStore?
        var postgres: PostgresStore?
    }

    mutating func metadata(_ metadata: BackendPlan.Metadata, locate: @escaping @Sendable (String) -> String?, wakeups: Backends.Wakeups) throws
        -> Metadata
    {
        switch metadata {
        case .dynamoDB(let table):
            let client = DynamoDBClient(environment: try awsEnvironment(for: "DynamoDB metadata"))
            if configuration.dynamoDBCreateTable { preparation.append { try await DynamoDBMetadataStore.createTable(client: client, table: table) } }
            return Metadata(store: DynamoDBMetadataStore(client: client, table: table, locate: locate))
        case .sqlite:
            let store = database()
            return Metadata(store: store, sqlite: store)
        case .postgres(let settings):
            let store = try PostgresStore(settings: settings, logger: logger)
            // The pool runs as a service; the schema is checked, never changed, before anything
            // serves (`darkroom migrate` changes it).
            services.append(store.service)
            services.append(
                PostgresListener(settings: settings, handlers: ["darkroom_jobs": wakeups.jobs, "darkroom_status": wakeups.status], logger: logger))
            preparation.append { try await store.checkSchema() }
            return Metadata(store: store, postgres: store)
        }
    }

    /// Takes objects dropped under `events.input` in, when the plan has events.
    func drops(_ events: BackendPlan.Events?, blobs: any BlobStore, metadata: any MetadataStore, requestPool: BlockingPool) throws -> DropIngestor? {
        guard let events else { return nil }
        let intake = OriginalIntake(blobs: blobs, metadata: metadata, limits: configuration.limits, pool: requestPool)
        do {
            return try DropIngestor(
                intake: intake, reader: S3Client(environment: try awsEnvironment(for: "events.input")), input: events.input, output: events.output,
                recipe: events.recipe)
        } catch let error as OverlappingLocationsError {
            throw ConfigurationError(error.description)
        }
    }

    mutating func queue(_ plan: BackendPlan, drops: DropIngestor?, metadata: Metadata) throws -> (queue: any JobQueue, committer: RecordCommitter?) {
        if let eventsQueue = plan.events?.queue, let drops {
            let sqs = SQSClient(environment: try awsEnvironment(for: "events.queue"))
            preparation.append { _ = try await sqs.queueURL(eventsQueue) }
            return (S3EventQueue(sqs: sqs, queue: eventsQueue, drops: drops, logger: logger), nil)
        }
        if case .sqs(let reference) = plan.queue {
            let sqs = SQSClient(environment: try awsEnvironment(for: "an SQS queue"))
            preparation.append { _ = try await sqs.queueURL(reference) }
            return (SQSJobQueue(client: sqs, queue: reference), nil)
        }
        if case .postgres = plan.queue, let postgres = metadata.postgres {
            return (postgres, .together(postgres))
        }
        // Records and jobs in the one database commit together.
        return (database(), metadata.sqlite.map { .together($0) })
    }

    func notifiers(_ topics: [String], metadata: any MetadataStore, locate: @escaping @Sendable (String) -> String?) throws -> [any Notifier] {
        guard !topics.isEmpty else { return [] }
        let aws = try awsEnvironment(for: "SNS notifications")
        return topics.map { SNSNotifier(client: SNSClient(environment: aws), topicARN: $0, metadata: metadata, locate: locate, logger: logger) }
    }
}
