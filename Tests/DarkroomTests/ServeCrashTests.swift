import Foundation
import Imaging
import TestSupport
import Testing

/// A `darkroom serve` process, started on a free port and always stopped: `deinit` kills it,
/// so the reader thread holds only the log, never the process object.
/// `@unchecked Sendable`: `process` is set up in `init` and only signalled and polled after.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    private let output = LogBuffer()

    init(data: String, environment: [String: String] = [:], arguments: [String] = []) throws {
        process.executableURL = CommandRunner.binary
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", "0", "--data", data, "--workers", "2"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let handle = pipe.fileHandleForReading
        let output = self.output
        Thread.detachNewThread {
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                output.append(String(decoding: data, as: UTF8.self))
            }
        }
    }

    private var log: String { output.text }

    /// The port from the start-up log line, once the server listens.
    func port() async throws -> Int {
        var port: Int?
        do {
            try await eventually("the server to listen", poll: .milliseconds(50)) {
                let text = log
                guard let range = text.range(of: #"listening on [^:\s]+:(\d+)"#, options: .regularExpression) else { return false }
                port = Int(text[range].split(separator: ":").last ?? "")
                return port != nil || !process.isRunning
            }
        } catch is NeverHappened {}
        guard let port else { throw ServerProcessError(message: "the server did not start: \(log)") }
        return port
    }

    /// Sends SIGTERM and waits up to `timeout` for the process to exit; its exit status, or nil.
    func terminate(timeout: Duration) async throws -> Int32? {
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        for _ in 0..<200 where process.isRunning { usleep(10_000) }
    }

    deinit { kill9() }
}

/// Text appended by one thread and read by another.
///
/// `@unchecked Sendable`: `text` is only touched with `lock` held.
final class LogBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer = ""

    func append(_ text: String) { lock.withLock { buffer += text } }
    var text: String { lock.withLock { buffer } }
}

struct ServerProcessError: Error {
    var message: String
}

/// Plain curl, as a person would use it.
enum Curl {
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func json(_ arguments: [String]) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(try run(arguments).utf8)) as? [String: Any])
    }
}

@Suite(.serialized, .timeLimit(.minutes(10))) struct ServeCrashTests {
    @Test func killNineMidBatchLosesNothing() async throws {
        let data = try CommandRunner.temporaryDirectory()
        let photo = data + "/photo.jpg"
        try CommandRunner.writePhoto(photo, width: 3000, height: 2000)
        // Short leases, so the killed server's jobs come back soon after the restart, but not so
        // short that a loaded machine's heartbeat misses one and a live job is taken over
        // (2 s did, under the whole suite on two cores, until attempts ran out).
        let environment = ["DARKROOM_WORKER_VISIBILITY_SECONDS": "10"]

        var server: ServerProcess? = try ServerProcess(data: data + "/service", environment: environment)
        var port = try await server!.port()
        var ids: [String] = []
        for n in 0..<12 {
            let answer = try Curl.json([
                "-H", "Content-Type: image/jpeg", "-H", "X-Filename: p\(n).jpg", "--data-binary", "@\(photo)", "http://127.0.0.1:\(port)/api/images",
            ])
            ids.append(try #require(answer["id"] as? String))
        }
        // Wait until work is under way, then kill the server without warning.
        for _ in 0..<200 {
            let processing = try Curl.json(["http://127.0.0.1:\(port)/api/images?status=PROCESSING"])
            if !((processing["images"] as? [Any]) ?? []).isEmpty { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let completedBeforeKill =
            ((try Curl.json(["http://127.0.0.1:\(port)/api/images?status=COMPLETED&limit=100"]))["images"] as? [Any])?.count ?? 0
        server!.kill9()
        server = nil
        #expect(completedBeforeKill < ids.count, "the kill must land mid-batch to mean anything")

        server = try ServerProcess(data: data + "/service", environment: environment)
        port = try await server!.port()
        var statuses: [String: String] = [:]
        let deadline = ContinuousClock.now + .seconds(300)
        while ContinuousClock.now < deadline {
            let page = try Curl.json(["http://127.0.0.1:\(port)/api/images?limit=100"])
            statuses = Dictionary(
                uniqueKeysWithValues: ((page["images"] as? [[String: Any]]) ?? []).map { ($0["id"] as? String ?? "", $0["status"] as? String ?? "") })
            if statuses.count == ids.count && statuses.values.allSatisfy({ $0 == "COMPLETED" }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(Set(statuses.keys) == Set(ids))
        #expect(statuses.values.allSatisfy { $0 == "COMPLETED" }, "after restart: \(statuses)")
        let sample = try Curl.json(["http://127.0.0.1:\(port)/api/images/\(ids[0])"])
        let variants = try #require(sample["variants"] as? [[String: Any]])
        #expect(variants.count == 3)
        let large = try Curl.run(["-o", data + "/large.jpg", "-w", "%{http_code}", "http://127.0.0.1:\(port)/api/images/\(ids[0])/variants/large"])
        #expect(large == "200")
        #expect(try ImageSource.open([UInt8](Data(contentsOf: URL(fileURLWithPath: data + "/large.jpg")))).header.width == 1600)
    }
}

@Suite(.serialized, .timeLimit(.minutes(10))) struct ServeLifecycleTests {
    @Test func sigtermStopsCleanlyAndAWorkerProcessFinishesTheQueue() async throws {
        let data = try CommandRunner.temporaryDirectory()
        let photo = data + "/photo.jpg"
        try CommandRunner.writePhoto(photo, width: 1600, height: 1200)
        // An API-only server: uploads queue up, nothing processes them.
        let api = try ServerProcess(data: data + "/service", arguments: ["--no-workers"])
        let port = try await api.port()
        var ids: [String] = []
        for _ in 0..<4 {
            ids.append(
                try #require(
                    try Curl.json(["-H", "Content-Type: image/jpeg", "--data-binary", "@\(photo)", "http://127.0.0.1:\(port)/api/images"])["id"]
                        as? String))
        }
        let pending = try Curl.json(["http://127.0.0.1:\(port)/api/images?status=PENDING"])
        #expect((pending["images"] as? [Any])?.count == 4)

        // `darkroom worker` on the same data directory processes them.
        let worker = Process()
        worker.executableURL = CommandRunner.binary
        worker.arguments = ["worker", "--data", data + "/service", "--workers", "2"]
        worker.standardOutput = FileHandle.nullDevice
        try worker.run()
        var completed = 0
        try? await eventually("four images completed", poll: .milliseconds(100)) {
            completed = ((try Curl.json(["http://127.0.0.1:\(port)/api/images?status=COMPLETED"]))["images"] as? [Any])?.count ?? 0
            return completed >= 4
        }
        #expect(completed == 4)
        kill(worker.processIdentifier, SIGTERM)
        try? await eventually("the worker to stop", poll: .milliseconds(50)) { !worker.isRunning }
        #expect(!worker.isRunning && worker.terminationStatus == 0, "the worker stops on SIGTERM")

        let status = try await api.terminate(timeout: .seconds(20))
        #expect(status == 0, "the server stops on SIGTERM with status 0")
    }
}

@Suite(.timeLimit(.minutes(10))) struct ServeConfigurationTests {
    @Test func environmentVariablesAreReadAndCheckedByName() throws {
        let process = Process()
        process.executableURL = CommandRunner.binary
        process.arguments = ["serve", "--data", try CommandRunner.temporaryDirectory()]
        process.environment = ProcessInfo.processInfo.environment.merging(["DARKROOM_PORT": "eighty"]) { $1 }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
        #expect(message.contains("port: 'eighty' is not a whole number"))
    }
}
