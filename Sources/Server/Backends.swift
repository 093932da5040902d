import AWSBackends
import AWSSigning
import FileStorage
import Foundation
import Logging
import Pipeline
import SQLiteBackend

/// The storage, metadata store, job queue and notifiers a configuration names, by URL:
/// - storage: a directory (default `<data>/blobs`) or `s3://bucket/prefix`;
/// - metadata: `sqlite` (default, `<data>/darkroom.sqlite`) or `dynamodb://table`;
/// - queue: `sqlite` (default, the same database) or an SQS queue; with `events.queue`, the S3
///   event notifications in SQS instead;
/// - notify: `sns://arn` topics.
/// AWS credentials, region and endpoints are read only when something here needs them.
public struct Backends: Sendable {
    public let blobs: any BlobStore
    public let metadata: any MetadataStore
    public let queue: any JobQueue
    /// How a record and its job commit: in one SQLite transaction when both live in the
    /// database, in two compensated steps otherwise.
    public let committer: RecordCommitter
    public let notifiers: [any Notifier]
    /// A presigned bucket URL for a blob key, when `s3.presignedLinks` is on.
    public let directLink: (@Sendable (String) -> String?)?

    public static func make(
        _ configuration: ServerConfiguration, data: URL, environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "darkroom")
    ) async throws -> Backends {
        let usesAWS =
            configuration.storage?.hasPrefix("s3://") == true || configuration.metadata?.hasPrefix("dynamodb://") == true
            || !(configuration.queueURL ?? "sqlite").hasPrefix("sqlite") || !configuration.notify.isEmpty || configuration.eventsQueue != nil
        let aws: AWSEnvironment?
        do {
            aws = usesAWS ? try AWSEnvironment.load(environment: environment) : nil
        } catch let error as AWSConfigurationError {
            throw ConfigurationError(error.description)
        }

        var sqlite: SQLiteStore?
        func database() async throws -> SQLiteStore {
            if let sqlite { return sqlite }
            let store = try await SQLiteStore(path: data.appendingPathComponent("darkroom.sqlite").path)
            sqlite = store
            return store
        }

        // Storage.
        let blobs: any BlobStore
        var locate: @Sendable (String) -> String? = { _ in nil }
        var directLink: (@Sendable (String) -> String?)?
        if let aws, let url = configuration.storage ?? configuration.eventsOutput, url.hasPrefix("s3://") {
            let location = try Self.location(url)
            let store = S3BlobStore(
                client: S3Client(environment: aws), location: location, serverSideEncryption: configuration.s3ServerSideEncryption)
            blobs = store
            locate = { key in key.hasPrefix("s3://") ? key : "s3://\(location.bucket)/\(location.prefix)\(key)" }
            if configuration.s3PresignedLinks {
                let seconds = configuration.signedURLSeconds
                directLink = { key in try? store.presignedURL(key, expires: seconds) }
            }
        } else {
            let root = configuration.storage.map { URL(fileURLWithPath: $0) } ?? data.appendingPathComponent("blobs")
            blobs = try FileBlobStore(root: root)
        }

        // Metadata.
        let metadata: any MetadataStore
        var metadataDatabase: SQLiteStore?
        if let aws, let url = configuration.metadata, url.hasPrefix("dynamodb://") {
            let table = String(url.dropFirst("dynamodb://".count))
            let client = DynamoDBClient(environment: aws)
            if configuration.dynamoDBCreateTable { try await DynamoDBMetadataStore.createTable(client: client, table: table) }
            metadata = DynamoDBMetadataStore(client: client, table: table, locate: locate)
        } else {
            metadataDatabase = try await database()
            metadata = try await database()
        }

        // The queue.
        let queue: any JobQueue
        var committer: RecordCommitter?
        if let aws, let events = configuration.eventsQueue {
            let sqs = SQSClient(environment: aws)
            let output = try Self.location(configuration.eventsOutput ?? configuration.storage ?? "")
            do {
                queue = try S3EventQueue(
                    sqs: sqs, queue: try await sqs.queueURL(events), input: try Self.location(configuration.eventsInput ?? ""), output: output,
                    s3: S3Client(environment: aws), metadata: metadata, recipe: configuration.eventsRecipe, logger: logger)
            } catch let error as OverlappingLocationsError {
                throw ConfigurationError(error.description)
            }
        } else if let aws, let url = configuration.queueURL, !url.hasPrefix("sqlite") {
            let sqs = SQSClient(environment: aws)
            queue = SQSJobQueue(client: sqs, queue: try await sqs.queueURL(url))
        } else {
            queue = try await database()
            // Records and jobs in the one database: they commit together.
            if let metadataDatabase { committer = .together(metadataDatabase) }
        }

        // Notifications.
        var notifiers: [any Notifier] = []
        if let aws {
            for topic in configuration.notify {
                notifiers.append(
                    SNSNotifier(
                        client: SNSClient(environment: aws), topicARN: try SNSClient.topicARN(topic), metadata: metadata, locate: locate,
                        logger: logger))
            }
        }
        return Backends(
            blobs: blobs, metadata: metadata, queue: queue, committer: committer ?? .separate(metadata: metadata, queue: queue),
            notifiers: notifiers, directLink: directLink)
    }

    static func location(_ url: String) throws -> S3Location {
        do {
            return try S3Location(url: url)
        } catch let error as AWSConfigurationError {
            throw ConfigurationError(error.description)
        }
    }
}
