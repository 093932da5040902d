import ArgumentParser
import Configuration
import Logging
import Server

/// `darkroom worker`: only the workers, sharing the data directory (files and SQLite) with a
/// `darkroom serve --no-workers` process on the same machine.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run workers only, beside a `darkroom serve --no-workers` on the same data.",
        discussion:
            "Takes the same configuration as `serve`. Status events reach the API's event stream only from in-process workers; webhooks are sent from here."
    )

    @Option(help: "Where images and the database live (default ./data).") var data: String?
    @Option(help: "A YAML configuration file.") var config: String?
    @Option(help: "A YAML file of extra recipes.") var recipes: String?
    @Option(help: "Worker tasks (default: the number of cores).") var workers: Int?

    func run() async throws {
        var flags: [String: ConfigContent] = [:]
        if let data { flags["data"] = .string(data) }
        if let recipes { flags["recipes"] = .string(recipes) }
        if let workers { flags["workers.count"] = .int(workers) }
        let settings: ServerConfiguration
        do {
            settings = try await ServerConfiguration.load(flags: flags, file: config)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        LoggingSystem.bootstrap(JSONLogHandler.init)
        let logger = Logger(label: "darkroom-worker")
        let components = try await ServiceComponents(configuration: settings)
        logger.info("Darkroom workers starting", metadata: ["data": "\(settings.dataDirectory)", "workers": "\(settings.workerCount)"])
        try await runWorkers(components, logger: logger)
    }
}
