import ArgumentParser
import Composition
import Configuration
import Imaging
import Logging
import Pipeline

/// `darkroom worker`: only the workers. Beside a `darkroom serve --no-workers` it shares the data
/// directory, or S3, DynamoDB and SQS; with `--events` it processes images dropped into an S3
/// bucket, from the bucket's event notifications in SQS.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run workers only: beside `darkroom serve --no-workers`, or on S3 event notifications with --events.",
        discussion: """
            Takes the same configuration as `serve`. Status events reach the API's event stream through the shared \
            metadata store's status feed (SQLite and PostgreSQL record every change; with DynamoDB only a server's \
            own workers' events reach its stream); webhooks and SNS notifications are sent from here.
            Example: darkroom worker --events sqs://uploads --input s3://photos/incoming --output s3://photos/processed \
            --metadata dynamodb://images --notify sns://arn:aws:sns:us-east-1:123456789012:images
            """
    )

    @Option(help: "Where images and the database live (default ./data).") var data: String?
    @Option(help: "A YAML configuration file.") var config: String?
    @Option(help: "A YAML file of extra recipes.") var recipes: String?
    @Option(help: "Worker tasks (default: the number of cores).") var workers: Int?
    @OptionGroup var backends: BackendOptions
    @Option(help: "Process S3 event notifications from this SQS queue: its URL, or sqs://NAME.") var events: String?
    @Option(help: "With --events: where images are dropped, s3://bucket/prefix. Events elsewhere are ignored.") var input: String?
    @Option(help: "With --events: where variants go, s3://bucket/prefix. Never ingested from.") var output: String?
    @Option(help: "With --events: the recipe for every image (default: default).") var recipe: String?

    func run() async throws {
        var flags: [String: ConfigContent] = [:]
        if let data { flags["data"] = .string(data) }
        if let recipes { flags["recipes"] = .string(recipes) }
        if let workers { flags["workers.count"] = .int(workers) }
        backends.add(to: &flags)
        if let events { flags["events.queue"] = .string(events) }
        if let input { flags["events.input"] = .string(input) }
        if let output { flags["events.output"] = .string(output) }
        if let recipe { flags["events.recipe"] = .string(recipe) }
        let settings = try await DarkroomConfiguration.forCommand(flags: flags, file: config)
        let logger = CommandLog.start(label: "darkroom-worker")
        let runtime = try Runtime.checked(configuration: settings, logger: logger)
        logger.info(
            "Darkroom workers starting",
            metadata: CommandLog.backends(settings).merging(
                ["workers": "\(settings.workerCount)", "events": "\(Secrets.redacted(settings.eventsQueue ?? "-"))"], uniquingKeysWith: { $1 }))
        try await Runtime.mappingPrepareErrors { try await runtime.runWorkers(logger: logger) }
    }
}
