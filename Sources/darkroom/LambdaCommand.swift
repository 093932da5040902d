import ArgumentParser
import AsyncHTTPClient
import Composition
import Configuration
import Foundation
import Imaging
import LambdaRuntime
import Logging
import NIOCore
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
        var flags: [String: ConfigContent] = ["host": .string("127.0.0.1"), "port": .int(0)]
        // Lambda's file system is read-only but for /tmp: a data folder that cannot be written
        // (the image's /data, say) gives way to /tmp/darkroom.
        let writable = environment["DARKROOM_DATA"].map { FileManager.default.isWritableFile(atPath: $0) } ?? false
        if !writable { flags["data"] = .string("/tmp/darkroom") }
        var settings: DarkroomConfiguration
        let runtime: Runtime
        do {
            settings = try await DarkroomConfiguration.load(flags: flags, file: config)
            // With an SQS queue, the queue's trigger hands its jobs to the function: no worker
            // in the process may take them from SQS behind Lambda's back.
            let plan = try BackendPlan(settings)
            if case .sqs = plan.queue { settings.runWorkers = false }
            if plan.events?.queue != nil { settings.runWorkers = false }
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
        let listening = port
        let handler = LambdaEventHandler(runtime: runtime, logger: logger) { event in
            try await forward(event, port: listening)
        }
        let drainsLocally: Bool
        if case .sqs = runtime.plan.queue { drainsLocally = false } else { drainsLocally = runtime.plan.events?.queue == nil }
        // Jobs an upload queued in this process's own queue are worked off after its answer
        // is posted and before the next event is asked for: Lambda freezes the process between
        // invocations, never while it works.
        var afterAnswer: LambdaLoop.AfterAnswer?
        if drainsLocally {
            afterAnswer = { @Sendable invocation in await drain(runtime, until: invocation.deadline) }
        }
        let handle: LambdaLoop.Handler = { @Sendable invocation in try await handler.handle(invocation) }
        return (handle, afterAnswer)
    }

    /// Waits until the local queue is empty, or until shortly before `deadline`.
    static func drain(_ runtime: Runtime, until deadline: Date) async {
        while deadline.timeIntervalSinceNow > 3 {
            guard let depth = try? await runtime.queue.depth(), depth > 0 else { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The largest answer Lambda takes is 6 MB, after base64: about 4.4 MB of bytes.
    static let maxAnswerBytes = 4_400_000

    /// One API Gateway or Function URL request, sent to the REST API on the loopback port.
    static func forward(_ event: HTTPEvent, port: Int) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(event.path)\(event.query.isEmpty ? "" : "?\(event.query)")")
        request.method = .init(rawValue: event.method)
        let hopByHop: Set<String> = ["host", "content-length", "connection", "transfer-encoding", "expect", "keep-alive", "upgrade"]
        for (name, value) in event.headers where !hopByHop.contains(name) { request.headers.add(name: name, value: value) }
        if !event.body.isEmpty { request.body = .bytes(event.body) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        var body = try await response.body.collect(upTo: 512 << 20)
        let bytes = body.readBytes(length: body.readableBytes) ?? []
        guard bytes.count <= maxAnswerBytes else {
            let message =
                #"{"error":"The answer is \#(bytes.count) bytes, over what Lambda can return (6 MB after base64). Fetch the file through a presigned link (s3.presignedLinks) instead."}"#
            return event.response(status: 502, headers: [("Content-Type", "application/json")], body: Array(message.utf8))
        }
        return event.response(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: bytes)
    }
}
