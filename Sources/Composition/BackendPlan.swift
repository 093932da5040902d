import AWSBackends
import AWSSigning
import Foundation
import Pipeline
import PostgresBackend

/// The backends a configuration names, parsed once from what a person wrote (`storage`,
/// `metadata`, `queue.url`, `notify`, `events.*`). Every command builds from this value;
/// nothing else reads those strings.
public struct BackendPlan: Sendable, Equatable {
    public enum Storage: Sendable, Equatable {
        /// Files under a directory; nil means `<data>/blobs`.
        case files(directory: String?)
        case s3(BucketLocation)
    }

    public enum Metadata: Sendable, Equatable {
        /// `<data>/darkroom.sqlite`.
        case sqlite
        case dynamoDB(table: String)
        case postgres(PostgresSettings)
    }

    public enum Queue: Sendable, Equatable {
        /// The SQLite database in `<data>`.
        case sqlite
        /// An SQS queue: its URL, or `sqs://NAME`, resolved on first use.
        case sqs(String)
        /// The jobs table of the PostgreSQL metadata database.
        case postgres
    }

    /// S3 event ingestion: the SQS queue S3 notifies, where images are dropped, where variants
    /// go (the storage), and the recipe they get. A Lambda function is handed its events, so it
    /// needs no queue: `events.input` alone turns ingestion on.
    public struct Events: Sendable, Equatable {
        public var queue: String?
        public var input: BucketLocation
        public var output: BucketLocation
        public var recipe: String
    }

    public var storage: Storage
    public var metadata: Metadata
    public var queue: Queue
    /// SNS topic ARNs.
    public var topics: [String]
    public var events: Events?

    /// True when any backend is an AWS service, so credentials and a region are needed.
    public var usesAWS: Bool {
        if case .s3 = storage { return true }
        if case .dynamoDB = metadata { return true }
        if case .sqs = queue { return true }
        return !topics.isEmpty || events != nil
    }

    /// Parses the configuration's backend keys, refusing what cannot work with a message that
    /// names the key.
    public init(_ c: DarkroomConfiguration) throws {
        metadata = try Self.metadata(c.metadata ?? "sqlite")
        let defaultQueue = if case .postgres = metadata { "postgres" } else { "sqlite" }
        switch c.queueURL ?? defaultQueue {
        case "sqlite":
            if case .postgres = metadata {
                throw ConfigurationError(
                    "queue.url sqlite with metadata postgres://… would keep each machine's jobs to itself; leave queue.url unset (or postgres) to queue in the database"
                )
            }
            queue = .sqlite
        case let url where url == "postgres" || url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"):
            guard case .postgres(let settings) = metadata else {
                throw ConfigurationError("queue.url postgres needs metadata postgres://…: the queue lives in the records' database")
            }
            if url != "postgres", (try? PostgresSettings(url: url)) != settings {
                throw ConfigurationError("queue.url must name the metadata database (or be just 'postgres'): records and jobs commit together")
            }
            queue = .postgres
        case let url where ["sqs://", "https://", "http://"].contains(where: url.hasPrefix) && url != "sqs://": queue = .sqs(url)
        case let url: throw ConfigurationError("queue.url must be sqlite, postgres, sqs://NAME or a queue URL, not '\(url)'")
        }
        topics = try c.notify.map { topic in
            do {
                guard topic.hasPrefix("sns://") else {
                    throw AWSConfigurationError("'\(topic)' is not an SNS topic: write sns://arn:aws:sns:REGION:ACCOUNT:TOPIC.")
                }
                return try SNSClient.topicARN(topic)
            } catch let error as AWSConfigurationError {
                throw ConfigurationError("notify: \(error.description)")
            }
        }
        let storageText = c.storage ?? c.eventsOutput
        if let text = storageText, text.contains("://") {
            guard text.hasPrefix("s3://") else { throw ConfigurationError("storage must be a directory or s3://bucket/prefix, not '\(text)'") }
            storage = .s3(try Self.location(text, key: "storage"))
        } else {
            storage = .files(directory: c.storage)
        }
        events = nil
        if c.eventsQueue != nil || c.eventsInput != nil {
            guard let input = c.eventsInput, input.hasPrefix("s3://") else { throw ConfigurationError("--events needs --input s3://bucket/prefix") }
            guard case .s3(let output) = storage else {
                throw ConfigurationError("--events needs --output s3://bucket/prefix (or storage set to one)")
            }
            if let storage = c.storage, let eventsOutput = c.eventsOutput, storage != eventsOutput {
                throw ConfigurationError("--output \(eventsOutput) and storage \(storage) differ: variants go to one place; give one of them")
            }
            let inputLocation = try Self.location(input, key: "events.input")
            if inputLocation.overlaps(output) {
                throw ConfigurationError(OverlappingLocationsError(input: inputLocation, output: output).description)
            }
            events = Events(queue: c.eventsQueue, input: inputLocation, output: output, recipe: c.eventsRecipe)
        }
    }

    /// `sqlite`, `postgres://…` or `dynamodb://TABLE`, as `metadata` and `darkroom migrate
    /// --metadata` take it.
    public static func metadata(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Metadata {
        if text == "sqlite" { return .sqlite }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            do {
                return .postgres(try PostgresSettings(url: text, environment: environment))
            } catch let error as PostgresSettingsError {
                throw ConfigurationError("metadata: \(error.description)")
            }
        }
        guard text.hasPrefix("dynamodb://"), text.count > "dynamodb://".count else {
            throw ConfigurationError(
                "metadata must be sqlite, postgres://USER:PASSWORD@HOST:PORT/DB or dynamodb://TABLE, not '\(PostgresSettings.redacted(text))'")
        }
        return .dynamoDB(table: String(text.dropFirst("dynamodb://".count)))
    }

    static func location(_ text: String, key: String) throws -> BucketLocation {
        do {
            return try S3Location(url: text)
        } catch let error as AWSConfigurationError {
            throw ConfigurationError("\(key): \(error.description)")
        }
    }
}
