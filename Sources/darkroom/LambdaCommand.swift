import ArgumentParser
import Composition
import Foundation
import LambdaRuntime
import Logging
import Pipeline
import Server

/// `darkroom lambda`: the binary as an AWS Lambda function, speaking the Runtime API at
/// `AWS_LAMBDA_RUNTIME_API`. Any `darkroom` command started with that variable set runs this
/// instead, so the container image needs no other entry point on Lambda.
///
/// Initialisation builds the same runtime as `serve` (configuration from `DARKROOM_*`), starts
/// the REST API on a loopback port for API Gateway and Function URL events, and prepares the
/// backends; any failure there goes to `/init/error`.
struct LambdaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lambda",
        abstract: "Run as an AWS Lambda function: S3, SNS, SQS, API Gateway and Function URL events.",
        discussion: """
            Reads AWS_LAMBDA_RUNTIME_API and the DARKROOM_* configuration (the same keys as `worker --events`: \
            events.input, events.output, events.recipe, metadata, notify). The data folder is /tmp/darkroom unless DARKROOM_DATA names a writable one.
            """
    )

    @Option(help: "The Runtime API's address, host:port[/path] (default: $AWS_LAMBDA_RUNTIME_API).") var runtimeAPI: String?
    @Option(help: "A YAML configuration file.") var config: String?

    func run() async throws {
        try await Self.run(runtimeAPI: runtimeAPI, config: config)
    }

    static func run(runtimeAPI: String?, config: String?) async throws {
        let logger = CommandLog.start(label: "darkroom-lambda")
        let environment = ProcessInfo.processInfo.environment
        guard let address = runtimeAPI ?? environment["AWS_LAMBDA_RUNTIME_API"] else {
            throw ValidationError("darkroom lambda needs --runtime-api or AWS_LAMBDA_RUNTIME_API")
        }
        let client: RuntimeAPIClient
        do {
            client = try RuntimeAPIClient(address: address)
        } catch let error as RuntimeAPIError {
            throw ValidationError(error.description)
        }
        try await LambdaLoop.run(client: client, logger: logger) {
            try await initialise(config: config, environment: environment, logger: logger)
        }
    }

    /// Everything done once per process: the handler, or the reason it cannot be made.
    static func initialise(config: String?, environment: [String: String], logger: Logger) async throws -> (
        LambdaLoop.Handler, LambdaLoop.AfterAnswer?
    ) {
        var settings: DarkroomConfiguration
        let runtime: Runtime
        do {
            settings = try await DarkroomConfiguration.load(flags: LambdaPolicy.flags(environment: environment), file: config)
            try LambdaPolicy.apply(to: &settings)
            runtime = try Runtime(configuration: settings, logger: logger)
        } catch let error as ConfigurationError {
            throw LambdaFunctionError(type: "Runtime.ConfigurationError", message: error.description)
        }
        // The REST API on a loopback port, for API Gateway and Function URL events; `run`
        // prepares the backends first, so a port means they are ready.
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = try buildApplication(runtime, logger: logger) { channel in
            portSink.yield(channel.localAddress?.port ?? 0)
            portSink.finish()
        }
        let server = Task {
            defer { portSink.finish() }
            try await runUntilSignalled(app, runtime: runtime, logger: logger)
        }
        var port = 0
        for await value in ports { port = value }
        guard port > 0 else {
            let cause: String
            do {
                try await server.value
                cause = "the service stopped while starting"
            } catch let error as PrepareError {
                throw LambdaFunctionError(type: "Runtime.BackendsNotReady", message: error.description)
            } catch {
                cause = String(describing: error)
            }
            throw LambdaFunctionError(type: "Runtime.InitError", message: cause)
        }
        // The function stops with its service. SIGTERM, which Lambda sends before it shuts an
        // environment down, ends the service as it ends `serve`'s and `worker`'s (one signal
        // path, `Runtime.run`); the long poll for the next event must not hold the process after.
        Task {
            if case .failure(let error) = await server.result {
                logger.error("the service stopped", metadata: ["error": "\(error)"])
                Foundation.exit(1)
            }
            logger.info("Darkroom Lambda function stopped")
            Foundation.exit(0)
        }
        logger.info(
            "Darkroom Lambda function ready",
            metadata: CommandLog.backends(settings).merging(["events": "\(Secrets.redacted(settings.eventsInput ?? "-"))"], uniquingKeysWith: { $1 }))
        let proxy = LoopbackProxy(port: port)
        let handler = LambdaEventHandler(runtime: runtime, logger: logger) { event in try await proxy.forward(event) }
        var afterAnswer: LambdaLoop.AfterAnswer?
        if LambdaPolicy.drainsLocally(runtime.plan) {
            let queue = runtime.queue
            afterAnswer = { @Sendable invocation in await LambdaPolicy.drain(queue, until: invocation.deadline) }
        }
        let handle: LambdaLoop.Handler = { @Sendable invocation in try await handler.handle(invocation) }
        return (handle, afterAnswer)
    }
}
