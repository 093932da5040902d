import ArgumentParser
import Composition
import Configuration
import Foundation
import Logging
import Pipeline
import Synchronization

/// `darkroom ingest s3://bucket/prefix` or `darkroom ingest DIR`: the data loader. Objects that
/// were there before the notification existed get a record and a queued job, as if each had just
/// been dropped; `serve` or `worker` then processes them.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Backfill: take the images already in an S3 prefix or a folder into the pipeline.",
        discussion: """
            Takes the same configuration as `serve` (storage, metadata, queue). Repeating a run is safe: images already \
            recorded are skipped, and an interrupted run picks up where it stopped. Exit code 1 when some objects failed \
            (run it again), 2 for a usage or configuration error.
            Example: darkroom ingest s3://photos/2019/ --storage s3://photos/processed/ --metadata dynamodb://images --queue sqs://jobs
            """
    )

    @Argument(help: "s3://bucket/prefix, or a folder.") var source: String
    @Option(help: "The recipe for every image (default: events.recipe, else default).") var recipe: String?
    @Option(help: "Objects taken in at once.") var concurrency = 8
    @Flag(help: "Queue again the images an earlier run recorded that have not finished (after a run was cut short).") var requeue = false
    @Option(help: "Where images and the database live (default ./data).") var data: String?
    @Option(help: "A YAML configuration file.") var config: String?
    @Option(help: "A YAML file of extra recipes.") var recipes: String?
    @OptionGroup var backends: BackendOptions

    func run() async throws {
        guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 256") }
        var flags: [String: ConfigContent] = [:]
        if let data { flags["data"] = .string(data) }
        if let recipes { flags["recipes"] = .string(recipes) }
        backends.add(to: &flags)
        let settings = try await DarkroomConfiguration.forCommand(flags: flags, file: config)
        let logger = CommandLog.start(label: "darkroom-ingest")
        let runtime = try Runtime.checked(configuration: settings, logger: logger)
        let recipe = recipe ?? settings.eventsRecipe
        guard runtime.catalog.recipe(named: recipe) != nil else {
            throw ValidationError("unknown recipe '\(recipe)'; known: \(runtime.catalog.names.joined(separator: ", "))")
        }

        // Where variants go: never ingested from.
        let output: BucketLocation
        var skipped: URL?
        switch runtime.plan.storage {
        case .s3(let location):
            output = location
        case .files(let directory):
            let root = URL(fileURLWithPath: directory ?? "\(settings.dataDirectory)/blobs").standardizedFileURL
            output = BucketLocation(bucket: root.resolvingSymlinksInPath().path)
            skipped = URL(fileURLWithPath: settings.dataDirectory)
        }

        let dropSource: DropSource
        do {
            dropSource = try DropSource.open(source, skipping: skipped, pool: runtime.requestPool)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        let (reader, input, list) = (dropSource.reader, dropSource.location, dropSource.list)
        let drops: DropIngestor
        do {
            drops = try DropIngestor(intake: runtime.ingestor.intake, reader: reader, input: input, output: output, recipe: recipe)
        } catch let error as OverlappingLocationsError {
            throw ValidationError("\(source) and the storage \(output) overlap: variants would be ingested again (\(error.input), \(error.output))")
        }
        let backfill = Backfill(drops: drops, metadata: runtime.metadata, queue: runtime.queue, requeue: requeue)
        let concurrency = self.concurrency
        let started = Date()
        let counts = try await Runtime.mappingPrepareErrorsReturning {
            try await runtime.withBackends {
                let objects = try await list()
                let bar = ProgressBar(total: objects.count)
                let done = Counter()
                let counts = await backfill.run(objects, concurrency: concurrency) { object, outcome, reason in
                    let (finished, failed) = done.add(failed: outcome == .failed)
                    if outcome == .failed { bar.log("failed: \(object.location): \(reason ?? "")") }
                    bar.update(done: finished, failed: failed)
                }
                return counts
            }
        }
        let total = counts.values.reduce(0, +)
        let parts = Backfill.Outcome.allCases.map { "\(counts[$0, default: 0]) \($0.rawValue)" }.joined(separator: ", ")
        print("Ingested \(total) objects from \(source) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s: \(parts).")
        if counts[.failed, default: 0] > 0 {
            print("Run the same command again to retry the failed ones; the rest are skipped.")
            throw ExitCode(1)
        }
    }
}

/// Objects finished so far, and how many failed, shared by the progress callbacks.
final class Counter: Sendable {
    private let state = Mutex((done: 0, failed: 0))

    func add(failed: Bool) -> (Int, Int) {
        state.withLock {
            $0.done += 1
            if failed { $0.failed += 1 }
            return ($0.done, $0.failed)
        }
    }
}
