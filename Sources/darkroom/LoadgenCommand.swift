import ArgumentParser
import AsyncHTTPClient
import Foundation
import LoadGen
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// `darkroom loadgen`: loads a Darkroom deployment and measures it. See docs/load-generation.md.
struct LoadgenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadgen",
        abstract: "Load a Darkroom deployment: uploads to its API, drops into its S3 bucket, or GETs, and measure them.",
        discussion: """
            darkroom loadgen http://127.0.0.1:8080 --images DIR --rate 5 --duration 30s
            darkroom loadgen s3://bucket/incoming --images DIR --rate 2 --count 50 --watch sqs://notifications
            darkroom loadgen --get urls.txt --concurrency 2 --duration 10s
            """)

    @Argument(help: "The API's base URL, or s3://bucket/prefix to drop images into.") var target: String?
    @Option(help: "A directory of images, cycled.") var images: String?
    @Option(help: "Synthetic JPEGs of these sizes instead of --images, as WxH[,WxH...].") var synthetic: String?
    @Option(help: "The recipe for every upload (default: the server's default).") var recipe: String?
    @Option(help: "Open loop: start this many requests per second, whatever the answers.") var rate: Double?
    @Option(help: "Closed loop: keep this many uploads in the pipeline (upload to COMPLETED), or this many GETs in flight.") var concurrency: Int?
    @Option(help: "Find the knee: open-loop steps START:STEP:MAX images per second.") var ramp: String?
    @Option(help: "With --ramp: how long each step sends (default 10s).") var stepDuration: String = "10s"
    @Option(help: "With --ramp: the p99 upload → COMPLETED, in ms, a step must stay under (default 2000).") var kneeMs: Double = 2000
    @Option(help: "Send for this long: 30s, 2m, 500ms.") var duration: String?
    @Option(help: "Send this many requests.") var count: Int?
    @Option(help: "The upload form: multipart, raw, base64 or json (default multipart).") var form: String = "multipart"
    @Option(help: "An API key, sent as Authorization: Bearer.") var apiKey: String?
    @Option(
        help:
            "How completion is watched: events (the API's event stream, default for an API), poll, an API URL (for S3 drops), or sqs://QUEUE subscribed to the SNS topic."
    ) var watch: String?
    @Option(help: "GET every URL in this file (one per line), cycled.") var get: String?
    @Option(help: "How long to wait for the last images to finish (default 120s).") var drainTimeout: String = "120s"
    @Option(help: "Write throughput and latency over time as a chart to this HTML file.") var report: String?
    @Flag(help: "Print one JSON object at the end instead of the summary.") var json = false

    func validate() throws {
        let shapes = [rate != nil, concurrency != nil, ramp != nil].filter { $0 }.count
        guard shapes <= 1 else { throw ValidationError("give one of --rate, --concurrency and --ramp") }
        if let rate {
            guard rate > 0 && rate <= 100_000 else { throw ValidationError("--rate must be between 0 and 100000 per second, not \(rate)") }
        }
        if let concurrency { guard (1...10_000).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 10000") } }
        if let count { guard count > 0 else { throw ValidationError("--count must be positive") } }
        guard duration == nil || count == nil else { throw ValidationError("give --duration or --count, not both") }
        if let duration { _ = try Self.parseDuration(duration, flag: "--duration") }
        _ = try Self.parseDuration(drainTimeout, flag: "--drain-timeout")
        _ = try Self.parseDuration(stepDuration, flag: "--step-duration")
        guard UploadForm(rawValue: form) != nil else { throw ValidationError("--form must be multipart, raw, base64 or json, not '\(form)'") }
        if get != nil {
            guard target == nil else { throw ValidationError("--get takes its URLs from the file; give no TARGET") }
            guard ramp == nil else { throw ValidationError("--ramp measures uploads; it does not apply to --get") }
        } else {
            guard let target else { throw ValidationError("give a TARGET (http://HOST:PORT or s3://bucket/prefix) or --get FILE") }
            guard target.hasPrefix("http://") || target.hasPrefix("https://") || target.hasPrefix("s3://") else {
                throw ValidationError("TARGET must be http(s)://HOST:PORT or s3://bucket/prefix, not '\(target)'")
            }
            guard (images == nil) != (synthetic == nil) else { throw ValidationError("give --images DIR or --synthetic WxH, one of them") }
            if target.hasPrefix("s3://"), ramp != nil, watch == nil {
                throw ValidationError("--ramp on an S3 target needs --watch to see images finish")
            }
        }
        if let watch, !["events", "poll"].contains(watch), !["sqs://", "dynamodb://", "http://", "https://"].contains(where: watch.hasPrefix) {
            throw ValidationError("--watch must be events, poll, an http(s) API URL, sqs://QUEUE or dynamodb://TABLE, not '\(watch)'")
        }
    }

    /// `30s`, `2m`, `500ms`, or plain seconds.
    static func parseDuration(_ text: String, flag: String) throws -> Duration {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value > 0 { return .milliseconds(Int64(value * scale * 1000)) }
        }
        if let value = Double(text), value > 0 { return .milliseconds(Int64(value * 1000)) }
        throw ValidationError("\(flag) must be a duration such as 30s, 2m or 500ms, not '\(text)'")
    }

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let inFlight = max(concurrency ?? 64, 8)
        let client = HTTPClient(
            eventLoopGroupProvider: .shared(group),
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: inFlight)))
        let streamClient = HTTPClient(eventLoopGroupProvider: .shared(group))
        do {
            try await measure(client: client, streamClient: streamClient)
        } catch {
            try? await client.shutdown()
            try? await streamClient.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
        try? await client.shutdown()
        try? await streamClient.shutdown()
        try? await group.shutdownGracefully()
    }

    func measure(client: HTTPClient, streamClient: HTTPClient) async throws {
        let setup = try await prepare(client: client, streamClient: streamClient)
        let recorder = Recorder()
        let progress = Progress(recorder: recorder, enabled: isatty(2) == 1 && !json)
        let drainTimeout = try Self.parseDuration(drainTimeout, flag: "--drain-timeout")
        let driver = Driver(target: setup.target, recorder: recorder, completionTimeout: setup.watcher == nil ? nil : drainTimeout)

        // Ctrl-C stops sending and prints what was measured so far.
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT)
        let work = Task { () -> ([Ramp.Step], Double?) in
            let watching = setup.watcher.map { watcher in Task { await watcher.run(recorder) } }
            defer { watching?.cancel() }
            if let stream = setup.watcher as? EventStreamWatcher, !(await stream.waitUntilOpen()) {
                FileHandle.standardError.write(Data("warning: the event stream did not open; completions may be missed\n".utf8))
            }
            let drain = drainTimeout
            if let ramp = setup.ramp {
                return await runRamp(ramp, driver: driver, recorder: recorder, drain: drain)
            }
            if let loop = setup.socketLoop, case .concurrency(let connections) = setup.shape {
                await loop.run(connections: connections, until: setup.stop, recorder: recorder)
                return ([], nil)
            }
            await driver.run(setup.shape, until: setup.stop)
            if setup.watcher != nil { await driver.drain(timeout: drain) }
            return ([], nil)
        }
        interrupt.setEventHandler { work.cancel() }
        interrupt.resume()
        progress.start()
        let (steps, knee) = await work.value
        progress.stop()
        interrupt.cancel()

        var result = RunReport(
            target: target ?? "GET \(get ?? "")", shape: setup.shapeName, stats: recorder.snapshot,
            elapsed: recorder.activeDuration ?? (ContinuousClock.now - recorder.start),
            tracksCompletion: setup.watcher != nil)
        result.ramp = steps
        result.knee = knee
        result.interrupted = work.isCancelled
        if let report {
            do {
                try result.html.write(toFile: report, atomically: true, encoding: .utf8)
            } catch {
                FileHandle.standardError.write(Data("--report: cannot write \(report): \(error)\n".utf8))
            }
        }
        print(json ? result.json : result.summary)
        if result.interrupted { throw ExitCode(130) }
    }

    /// One open-loop step per rate; the knee is the last rate whose p99 stayed under the
    /// threshold with no errors.
    func runRamp(_ ramp: Ramp, driver: Driver, recorder: Recorder, drain: Duration) async -> ([Ramp.Step], Double?) {
        var steps: [Ramp.Step] = []
        var knee: Double?
        var first = 0
        for rate in ramp.rates where !Task.isCancelled {
            recorder.beginStep()
            let started = ContinuousClock.now
            first += await driver.run(.rate(rate), until: .duration(ramp.stepDuration), first: first)
            await driver.drain(timeout: drain)
            let stats = recorder.stepSnapshot
            let seconds = Double((ContinuousClock.now - started).components.seconds) + 0.001
            let p99 = stats.completePercentiles.p99
            let ok = stats.errorCount == 0 && p99 <= ramp.thresholdMilliseconds
            steps.append(
                Ramp.Step(
                    rate: rate, throughput: Double(stats.completed) / seconds, p99Milliseconds: p99, errors: stats.errorCount, withinThreshold: ok))
            guard ok else { break }
            knee = rate
        }
        return (steps, knee)
    }

    struct Setup {
        var target: any LoadTarget
        /// For `--get --concurrency` over plain http: blocking sockets, as wrk drives a server.
        var socketLoop: SocketGetLoop? = nil
        var watcher: (any CompletionWatcher)?
        var shape: LoadShape
        var stop: LoadStop
        var ramp: Ramp?
        var shapeName: String
    }

    /// Everything checked before any load is sent: arguments, images, the target, auth.
    func prepare(client: HTTPClient, streamClient: HTTPClient) async throws -> Setup {
        let shape: LoadShape = rate.map { .rate($0) } ?? .concurrency(concurrency ?? 1)
        let stop: LoadStop =
            try count.map { .count($0) } ?? .duration(try duration.map { try Self.parseDuration($0, flag: "--duration") } ?? .seconds(30))
        let rampPlan = try ramp.map {
            try Ramp.parse($0, stepDuration: try Self.parseDuration(stepDuration, flag: "--step-duration"), threshold: kneeMs)
        }
        var shapeName: String
        switch shape {
        case .rate(let r): shapeName = "open loop at \(r)/s"
        case .concurrency(let c): shapeName = "closed loop at concurrency \(c)"
        }
        if let rampPlan { shapeName = "ramp \(rampPlan.start)…\(rampPlan.max)/s by \(rampPlan.step), \(stepDuration) a step" }
        switch stop {
        case .count(let n): shapeName += ", \(n) requests"
        case .duration: shapeName += ", for \(duration ?? "30s")"
        }
        if rampPlan != nil { shapeName = shapeName.components(separatedBy: ", for").first ?? shapeName }

        if let get {
            guard let text = try? String(contentsOfFile: get, encoding: .utf8) else { throw ValidationError("--get: cannot read \(get)") }
            let urls = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty && !$0.hasPrefix("#")
            }
            guard !urls.isEmpty else { throw ValidationError("--get: \(get) lists no URLs") }
            if let bad = urls.first(where: { !$0.hasPrefix("http://") && !$0.hasPrefix("https://") }) {
                throw ValidationError("--get: '\(bad)' is not an http(s) URL")
            }
            try await reach(urls[0], client: client, flag: "--get")
            var setup = Setup(target: GetTarget(urls: urls, client: client), watcher: nil, shape: shape, stop: stop, ramp: nil, shapeName: shapeName)
            if case .concurrency = shape { setup.socketLoop = SocketGetLoop(urls: urls) }
            return setup
        }
        let images: LoadImages
        do {
            if let synthetic {
                images = try LoadImages.synthetic(try LoadImages.parseSizes(synthetic))
            } else {
                images = try LoadImages.directory(self.images ?? "")
            }
        } catch let error as LoadError {
            throw ValidationError(error.description)
        }
        let target = self.target ?? ""
        if target.hasPrefix("s3://") {
            let load: S3Load
            do {
                load = try await S3Load.open(target, images: images)
            } catch let error as LoadError {
                throw ValidationError(error.description)
            }
            var watcher: (any CompletionWatcher)?
            if let watch {
                if let inAWS = load.watcher(watch) {
                    watcher = inAWS
                } else if watch.hasPrefix("http") {
                    try await reach(watch + "/healthz", client: client, flag: "--watch")
                    watcher = ListPollingWatcher(base: Self.trimmed(watch), apiKey: apiKey, client: client)
                } else {
                    throw ValidationError("--watch for an S3 target must be sqs://QUEUE, dynamodb://TABLE or the API's URL, not '\(watch)'")
                }
                do { try await watcher?.connect() } catch { throw ValidationError("--watch \(watch): cannot reach it: \(error)") }
            }
            return Setup(
                target: load.target, watcher: watcher, shape: shape, stop: stop, ramp: rampPlan,
                shapeName: shapeName)
        }
        let base = Self.trimmed(target)
        try await reach(base + "/healthz", client: client, flag: "TARGET")
        try await checkAuthAndRecipe(base: base, client: client)
        let watcher: any CompletionWatcher =
            switch watch ?? "events" {
            case "poll": PollingWatcher(base: base, apiKey: apiKey, client: client)
            default: EventStreamWatcher(base: base, apiKey: apiKey, client: streamClient)
            }
        return Setup(
            target: UploadTarget(base: base, images: images, form: UploadForm(rawValue: form)!, recipe: recipe, apiKey: apiKey, client: client),
            watcher: watcher, shape: shape, stop: stop, ramp: rampPlan, shapeName: shapeName)
    }

    static func trimmed(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    func reach(_ url: String, client: HTTPClient, flag: String) async throws {
        do {
            _ = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        } catch {
            throw ValidationError("\(flag) \(url): cannot connect (\(error))")
        }
    }

    /// `GET /api/recipes` with the key: a refused key or an unknown recipe stops the run before it starts.
    func checkAuthAndRecipe(base: String, client: HTTPClient) async throws {
        var request = HTTPClientRequest(url: base + "/api/recipes")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        let response = try await client.execute(request, timeout: .seconds(10))
        var body = try await response.body.collect(upTo: 1 << 20)
        if response.status == .unauthorized {
            throw ValidationError(apiKey == nil ? "--api-key: the server requires one (401)" : "--api-key: the server refused it (401)")
        }
        guard response.status == .ok else {
            throw ValidationError("TARGET \(base): /api/recipes answered \(response.status.code); is this Darkroom?")
        }
        if let recipe {
            let object = try? JSONSerialization.jsonObject(with: Data(body.readBytes(length: body.readableBytes) ?? [])) as? [String: Any]
            let names = (object?["recipes"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            guard names.contains(recipe) else {
                throw ValidationError("--recipe: the server has no recipe '\(recipe)'; it has \(names.joined(separator: ", "))")
            }
        }
    }
}

/// A live progress line on a terminal, redrawn every second.
final class Progress: @unchecked Sendable {
    let recorder: Recorder
    let enabled: Bool
    private var task: Task<Void, Never>?

    init(recorder: Recorder, enabled: Bool) {
        self.recorder = recorder
        self.enabled = enabled
    }

    func start() {
        guard enabled else { return }
        let recorder = self.recorder
        task = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                let s = recorder.snapshot
                let elapsed = (ContinuousClock.now - recorder.start).components.seconds
                let line = "\r\(elapsed) s  sent \(s.requests)  answered \(s.accepted)  done \(s.completed + s.failed)  errors \(s.errorCount)   "
                FileHandle.standardError.write(Data(line.utf8))
            }
        }
    }

    func stop() {
        task?.cancel()
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
