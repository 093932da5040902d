import ArgumentParser
import Composition
import Configuration
import Foundation
import Imaging
import Logging
import Server

/// `darkroom serve`: the REST API, the event stream and (unless `--no-workers`) the workers.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Darkroom service: REST API, web events and in-process workers.",
        discussion: """
            Configuration comes from flags, then DARKROOM_* environment variables, then the YAML file \
            (--config, else ./darkroom.yaml), then defaults. Keys: \(DarkroomConfiguration.keys.joined(separator: ", ")).
            """
    )

    @Option(help: "The address to listen on.") var host: String?
    @Option(help: "The port to listen on (default 8080).") var port: Int?
    @Option(help: "Where images and the database live (default ./data).") var data: String?
    @Option(help: "A YAML configuration file.") var config: String?
    @Option(help: "A YAML file of extra recipes.") var recipes: String?
    @Option(help: "Worker tasks (default: the number of cores).") var workers: Int?
    @Flag(help: "Serve the API only; another process runs `darkroom worker`.") var noWorkers = false
    @Option(help: "Log format: json (one object per line) or text.") var logFormat: String = "json"
    @OptionGroup var backends: BackendOptions

    func run() async throws {
        var flags: [String: ConfigContent] = [:]
        if let host { flags["host"] = .string(host) }
        if let port { flags["port"] = .int(port) }
        if let data { flags["data"] = .string(data) }
        if let recipes { flags["recipes"] = .string(recipes) }
        if let workers { flags["workers.count"] = .int(workers) }
        if noWorkers { flags["workers.enabled"] = .bool(false) }
        backends.add(to: &flags)
        let settings = try await DarkroomConfiguration.forCommand(flags: flags, file: config)
        guard ["json", "text"].contains(logFormat) else { throw ValidationError("--log-format must be json or text") }
        let logger = CommandLog.start(label: "darkroom", json: logFormat == "json")
        let runtime = try Runtime.checked(configuration: settings, logger: logger)
        let app = try buildApplication(runtime, logger: logger)
        logger.info(
            "Darkroom starting",
            metadata: CommandLog.backends(settings).merging(["address": "\(settings.host):\(settings.port)"], uniquingKeysWith: { $1 }))
        try await Runtime.mappingPrepareErrors { try await runUntilSignalled(app, runtime: runtime, logger: logger) }
    }
}
