import ArgumentParser
import Composition
import Configuration
import Logging
import Pipeline

/// `--storage`, `--metadata`, `--queue`, `--notify` and `--create-table`, shared by `serve`,
/// `worker` and `migrate`: each is the configuration key of the same name.
struct BackendOptions: ParsableArguments {
    @Option(help: "Where originals and variants go: a directory, or s3://bucket/prefix.") var storage: String?
    @Option(help: "Image records: sqlite, or dynamodb://TABLE.") var metadata: String?
    @Option(help: "The job queue: sqlite, sqs://NAME or an SQS queue URL.") var queue: String?
    @Option(help: "Announce finished images to an SNS topic: sns://arn:aws:sns:REGION:ACCOUNT:TOPIC (repeatable).") var notify: [String] = []
    @Flag(help: "Create the DynamoDB table at start-up when it does not exist.") var createTable = false

    func add(to flags: inout [String: ConfigContent]) {
        if let storage { flags["storage"] = .string(storage) }
        if let metadata { flags["metadata"] = .string(metadata) }
        if let queue { flags["queue.url"] = .string(queue) }
        if !notify.isEmpty { flags["notify"] = .string(notify.joined(separator: ",")) }
        if createTable { flags["dynamodb.createTable"] = .bool(true) }
    }
}

extension DarkroomConfiguration {
    /// A command's configuration: flags over `DARKROOM_*` over the file over defaults. A
    /// mistake is a usage error (exit code 2) that names the key.
    static func forCommand(flags: [String: ConfigContent], file: String?) async throws -> DarkroomConfiguration {
        do {
            return try await load(flags: flags, file: file)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
    }
}

extension Runtime {
    /// Builds the runtime (no I/O); a configuration mistake found on the way (a bad URL,
    /// missing AWS credentials, an unknown recipe) becomes a usage error, exit code 2.
    static func checked(configuration: DarkroomConfiguration, logger: Logger) throws -> Runtime {
        do {
            return try Runtime(configuration: configuration, logger: logger)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
    }

    /// Runs `body`; backends that cannot be made ready (unreachable, refused, an unknown
    /// schema) are a usage error too, exit code 2, with the cause.
    static func mappingPrepareErrors(_ body: () async throws -> Void) async throws {
        try await mappingPrepareErrorsReturning(body)
    }

    static func mappingPrepareErrorsReturning<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PrepareError {
            throw ValidationError(error.description)
        }
    }
}
