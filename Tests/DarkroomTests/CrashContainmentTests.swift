import Foundation
import Imaging
import TestSupport
import Testing

/// A crash in image code costs one image, never the service. The test-only failpoint
/// (`DARKROOM_FAILPOINT=render-abort:width=N`) makes a render child abort on sources N pixels
/// wide, as a libvips assertion would.
@Suite(.serialized, .timeLimit(.minutes(10))) struct CrashContainmentTests {
    static let crashWidth = 777
    static let failpoint = ["DARKROOM_FAILPOINT": "render-abort:width=\(crashWidth)"]

    @Test func processReportsTheCrashingInputFinishesTheOthersAndExitsOne() throws {
        let dir = try CommandRunner.temporaryDirectory()
        try CommandRunner.writePhoto(dir + "/a.jpg", width: 640, height: 480)
        try CommandRunner.writePhoto(dir + "/crash.jpg", width: Self.crashWidth, height: 300)
        try CommandRunner.writePhoto(dir + "/c.jpg", width: 500, height: 500)
        let output = try CommandRunner.run(
            ["process", dir + "/a.jpg", dir + "/crash.jpg", dir + "/c.jpg", "--out", dir + "/out", "--json"], environment: Self.failpoint)
        #expect(output.status == 1)
        var reports: [String: [String: Any]] = [:]
        for line in try output.jsonLines() { reports[((line["input"] as? String ?? "") as NSString).lastPathComponent] = line }
        #expect(reports["a.jpg"]?["status"] as? String == "completed")
        #expect(reports["c.jpg"]?["status"] as? String == "completed")
        #expect(reports["crash.jpg"]?["status"] as? String == "failed")
        let message = reports["crash.jpg"]?["error"] as? String ?? ""
        #expect(message.hasPrefix("Processing crashed twice (the render process was killed by SIGABRT"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/crash"), "a crashed input leaves nothing behind")
        #expect(output.stderr.contains("1 failed"))
    }

    @Test func serveKeepsAnsweringWhileAnImageCrashesItsWorker() async throws {
        try await Self.crashWhileServing(separateWorker: false)
    }

    @Test func aSeparateWorkerProcessContainsTheCrashToo() async throws {
        try await Self.crashWhileServing(separateWorker: true)
    }

    /// Uploads a crashing image among good ones, polling `/healthz` and reading the event stream
    /// all along: the API never misses a beat, the crashing image is FAILED with a message, and
    /// the others complete.
    static func crashWhileServing(separateWorker: Bool) async throws {
        let data = try CommandRunner.temporaryDirectory()
        try CommandRunner.writePhoto(data + "/good.jpg", width: 900, height: 600)
        try CommandRunner.writePhoto(data + "/crash.jpg", width: crashWidth, height: 400)
        let server = try ServerProcess(data: data + "/service", environment: failpoint, arguments: separateWorker ? ["--no-workers"] : [])
        let port = try await server.port()
        let base = "http://127.0.0.1:\(port)"
        var worker: Process?
        if separateWorker {
            let process = Process()
            process.executableURL = CommandRunner.binary
            process.arguments = ["worker", "--data", data + "/service", "--workers", "2"]
            process.environment = ProcessInfo.processInfo.environment.merging(failpoint) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            worker = process
        }
        defer {
            if let worker, worker.isRunning { kill(worker.processIdentifier, SIGKILL) }
        }

        let events = Process()
        events.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        events.arguments = ["-s", "-N", "--max-time", "60", base + "/api/events"]
        let eventsPipe = Pipe()
        events.standardOutput = eventsPipe
        try events.run()
        defer { if events.isRunning { kill(events.processIdentifier, SIGKILL) } }
        let stream = LogBuffer()
        let handle = eventsPipe.fileHandleForReading
        Thread.detachNewThread {
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                stream.append(String(decoding: data, as: UTF8.self))
            }
        }

        let health = HealthProbe(url: base + "/healthz")
        let probing = Task { await health.run() }

        let upload = { (file: String) throws -> String in
            try #require(
                try Curl.json(["-H", "Content-Type: image/jpeg", "--data-binary", "@\(data)/\(file)", base + "/api/images"])["id"] as? String)
        }
        let crashing = try upload("crash.jpg")
        var good = [try upload("good.jpg"), try upload("good.jpg")]
        var statuses: [String: String] = [:]
        func poll() async throws {
            try? await eventually("every image to end", within: .seconds(300), poll: .milliseconds(100)) {
                for id in [crashing] + good {
                    statuses[id] = try Curl.json([base + "/api/images/\(id)"])["status"] as? String
                }
                return statuses.values.allSatisfy { $0 == "COMPLETED" || $0 == "FAILED" }
            }
        }
        try await poll()
        // After the crash the service still takes and finishes new work.
        good.append(try upload("good.jpg"))
        try await poll()
        probing.cancel()
        let (answered, failedProbes) = await health.counts()

        #expect(statuses[crashing] == "FAILED")
        let record = try Curl.json([base + "/api/images/\(crashing)"])
        let error = record["error"] as? String ?? ""
        #expect(error.hasPrefix("Processing crashed twice (the render process was killed by SIGABRT"), "\(error)")
        for id in good { #expect(statuses[id] == "COMPLETED", "\(id)") }
        #expect(answered > 0 && failedProbes == 0, "/healthz answered \(answered) times and failed \(failedProbes) times")
        #expect(server.process.isRunning, "the server survives")
        if let worker { #expect(worker.isRunning, "the worker process survives") }

        // Every final status reaches the stream (a deadline stops a hang; nothing is timed).
        // Each event's `id:` line names the image and its status.
        let finals = good.map { "id: \($0)-COMPLETED\n" } + ["id: \(crashing)-FAILED\n"]
        try? await eventually("every final status on the event stream", poll: .milliseconds(100)) { finals.allSatisfy { stream.text.contains($0) } }
        for expected in finals { #expect(stream.text.contains(expected), "the event stream heard \(expected)") }
        #expect(events.isRunning, "the event stream stayed open")
    }
}

/// Polls a URL until cancelled, counting answers and failures.
actor HealthProbe {
    let url: String
    private var answered = 0
    private var failed = 0

    init(url: String) { self.url = url }

    func run() async {
        while !Task.isCancelled {
            let code = (try? Curl.run(["-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", url])) ?? ""
            if code == "200" { answered += 1 } else { failed += 1 }
            try? await Task.sleep(for: .milliseconds(25))
        }
    }

    func counts() -> (Int, Int) { (answered, failed) }
}
