import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import Composition
@testable import OnTheFly
@testable import Server

/// Reads a child process's standard output as it arrives.
///
/// `@unchecked Sendable`: `text` is only touched with `lock` held.
final class StreamReader: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    let process = Process()

    init(_ executable: String, _ arguments: [String], includeStandardError: Bool = false) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = includeStandardError ? pipe : FileHandle.nullDevice
        try process.run()
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                lock.withLock { text += String(decoding: data, as: UTF8.self) }
            }
        }
    }

    var output: String { lock.withLock { text } }

    /// Waits until `condition` holds for the output, up to `timeout`.
    func wait(timeout: Duration, until condition: (String) -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(output) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition(output)
    }

    /// Kills the process. Foundation's `waitUntilExit` spins a run loop, which must not happen
    /// on a task of the cooperative pool, so this waits by polling instead.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for _ in 0..<200 where process.isRunning { usleep(10_000) }
    }
}

@Suite(.serialized, .timeLimit(.minutes(10))) struct LiveTests {
    @Test func uploadsThreeWaysAndSeesCompletionOverSSE() async throws {
        let fixture = try await ServerFixture { $0.runWorkers = true }
        let app = try buildApplication(fixture.components)
        let photo = try ServerFixture.photo(width: 800, height: 600)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let events = try StreamReader("/usr/bin/curl", ["-sN", "http://127.0.0.1:\(port)/api/events"])
            defer { events.stop() }
            #expect(try await events.wait(timeout: .seconds(10)) { $0.contains(": connected") })
            var ids: [String] = []
            let raw = try await client.execute(
                uri: "/api/images", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: photo))
            ids.append(try #require(try ServerFixture.json(raw)["id"] as? String))
            let multipart = try await client.execute(
                uri: "/api/images", method: .post, headers: [.contentType: "multipart/form-data; boundary=DarkroomBoundary42"],
                body: ServerFixture.multipart([("m.jpg", photo)]))
            ids.append(try #require(try ServerFixture.json(multipart)["id"] as? String))
            let base64 = try await client.execute(
                uri: "/api/images", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: Data(photo).base64EncodedString()))
            ids.append(try #require(try ServerFixture.json(base64)["id"] as? String))
            let allDone = try await events.wait(timeout: .seconds(60)) { output in
                // Each event's `id:` line names the image and its status.
                ids.allSatisfy { output.contains("id: \($0)-COMPLETED\n") }
            }
            #expect(allDone, "SSE output: \(events.output.suffix(2000))")
            #expect(events.output.contains("event: status"))
            for id in ids {
                let image = try ServerFixture.json(try await client.execute(uri: "/api/images/\(id)", method: .get))
                #expect(image["status"] as? String == "COMPLETED" && (image["variants"] as? [Any])?.count == 3)
            }
        }
    }

    @Test func twoHundredConcurrentUploadsAllComplete() async throws {
        let fixture = try await ServerFixture { $0.runWorkers = true }
        let app = try buildApplication(fixture.components)
        let photo = try ServerFixture.photo(width: 160, height: 120)
        try await app.test(.live) { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for n in 0..<200 {
                    group.addTask {
                        try await client.execute(
                            uri: "/api/images", method: .post, headers: [.contentType: "image/jpeg", HTTPField.Name("X-Filename")!: "p\(n).jpg"],
                            body: ByteBuffer(bytes: photo)
                        ).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.count == 200 && statuses.allSatisfy { $0 == .accepted })
            var completed = 0
            for _ in 0..<600 where completed < 200 {
                try await Task.sleep(for: .milliseconds(100))
                completed = try await fixture.components.metadata.list(status: .completed, limit: 1000, after: nil).count
            }
            #expect(completed == 200)
            #expect(try await fixture.components.metadata.list(status: nil, limit: 1000, after: nil).count == 200)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("darkroom_uploads_total 200") && metrics.contains("darkroom_jobs_total{outcome=\"completed\"} 200"))
        }
    }

    @Test func plainCurlGetsA100ContinueForLargeUploads() async throws {
        let fixture = try await ServerFixture()
        let app = try buildApplication(fixture.components)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID().uuidString).jpg")
        // Over 1 MiB, so curl sends Expect: 100-continue: a photo followed by noise it ignores.
        var bytes = try ServerFixture.photo(width: 600, height: 400)
        var state: UInt64 = 42
        for _ in 0..<(2 << 20) {
            state = state &* 6_364_136_223_846_793_005 &+ 1
            bytes.append(UInt8(truncatingIfNeeded: state >> 56))
        }
        try Data(bytes).write(to: file)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let curl = try StreamReader(
                "/usr/bin/curl",
                ["-sv", "-o", "/dev/null", "-w", "status=%{http_code}\n", "-F", "file=@\(file.path)", "http://127.0.0.1:\(port)/api/images"],
                includeStandardError: true)
            #expect(try await curl.wait(timeout: .seconds(60)) { _ in !curl.process.isRunning })
            let output = curl.output
            #expect(output.contains("Expect: 100-continue"), "curl did not ask: \(output)")
            #expect(output.contains("HTTP/1.1 100 Continue"), "the server did not answer 100 Continue: \(output)")
            #expect(output.contains("status=202"))
        }
    }

    @Test func aClientThatHangsUpAbandonsItsOnTheFlyRequest() async throws {
        var fixture = try await TransformTests.fixture()
        var service = try #require(fixture.components.transforms)
        let pausing = PausingRenderer(inner: service.renderer)
        service.renderer = pausing
        fixture.setTransforms(service)
        let metrics = service.metrics
        let app = try buildApplication(fixture.components)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let curl = try StreamReader(
                "/usr/bin/curl", ["-s", "--max-time", "1", "http://127.0.0.1:\(port)/imgproxy/insecure/w:100/plain/photos/a.jpg"],
                includeStandardError: true)
            await pausing.waitUntilEntered()
            #expect(try await curl.wait(timeout: .seconds(30)) { _ in !curl.process.isRunning })
            // The server notices the closed connection while the render is still held.
            try? await eventually("the abandoned request counted", poll: .milliseconds(20)) { metrics.count(.abandoned) > 0 }
            #expect(metrics.count(.abandoned) == 1)
            await pausing.resume()
        }
    }
}
