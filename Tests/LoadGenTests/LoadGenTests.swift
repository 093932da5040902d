import Foundation
import Testing

@testable import LoadGen

@Suite struct SSEParserTests {
    @Test func eventsSplitAcrossChunksAreJoinedAndCommentsSkipped() {
        var parser = SSEParser()
        let stream =
            ": connected\n\nid: a-PROCESSING\nevent: status\ndata: {\"id\":\"a\",\n\ndata: {\"id\":\"b\",\"status\":\"COMPLETED\"}\r\n\r\n: keep-alive\n\n"
        var events: [String] = []
        let bytes = Array(stream.utf8)
        for chunk in stride(from: 0, to: bytes.count, by: 7) { events += parser.feed(bytes[chunk..<min(chunk + 7, bytes.count)]) }
        #expect(events == ["{\"id\":\"a\",", "{\"id\":\"b\",\"status\":\"COMPLETED\"}"])
    }
}

@Suite struct RecorderTests {
    @Test func latencyCountsFromTheIntendedStartSoStallsAreNotHidden() {
        let start = ContinuousClock.now
        let recorder = Recorder(start: start)
        // Ten requests meant to start 100 ms apart, all answered at the 1 s mark (a stall):
        // the one meant for 0 ms waited 1000 ms, the one meant for 900 ms waited 100 ms.
        for i in 0..<10 {
            let intended = start + .milliseconds(100 * i)
            recorder.sent(at: intended)
            recorder.accepted(intended: intended, handle: nil, now: start + .seconds(1))
        }
        let accept = recorder.snapshot.acceptPercentiles
        #expect(accept.count == 10)
        #expect(abs(accept.max - 1000) < 2 && abs(accept.p50 - 500) < 2, "\(accept)")
    }

    @Test func anEventBeforeTheAnswerIsKeptUntilTheAnswerComes() {
        let start = ContinuousClock.now
        let recorder = Recorder(start: start)
        recorder.sent(at: start)
        recorder.finished(handle: "img-1", failed: false, at: start + .milliseconds(300))
        recorder.accepted(intended: start, handle: "img-1", now: start + .milliseconds(350))
        let stats = recorder.snapshot
        #expect(stats.completed == 1 && recorder.outstanding == 0)
        #expect(abs(stats.completePercentiles.max - 300) < 1)
    }

    @Test func failuresAndAbandonedImagesAreErrorsByKind() {
        let start = ContinuousClock.now
        let recorder = Recorder(start: start)
        recorder.accepted(intended: start, handle: "a", now: start)
        recorder.accepted(intended: start, handle: "b", now: start)
        recorder.finished(handle: "a", failed: true, at: start + .seconds(1))
        recorder.error("http_503")
        recorder.abandonPending("not_finished")
        let stats = recorder.snapshot
        #expect(stats.errors == ["image_failed": 1, "http_503": 1, "not_finished": 1])
        #expect(stats.failed == 1 && stats.completed == 0)
    }
}

@Suite struct ReportTests {
    @Test func theJSONHasTheDocumentedFields() throws {
        let start = ContinuousClock.now
        let recorder = Recorder(start: start)
        recorder.sent(at: start)
        recorder.accepted(intended: start, handle: "x", now: start + .milliseconds(20))
        recorder.finished(handle: "x", failed: false, at: start + .milliseconds(500))
        let report = RunReport(target: "http://h", shape: "s", stats: recorder.snapshot, elapsed: .seconds(2), tracksCompletion: true)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        #expect(object["requests"] as? Int == 1 && object["errors"] as? Int == 0)
        #expect(object["throughput"] as? Double == 0.5)
        let latency = try #require(object["latency_ms"] as? [String: [String: Any]])
        for phase in ["accept", "complete"] {
            let keys = Set(latency[phase].map { Array($0.keys) } ?? [])
            #expect(keys.isSuperset(of: ["p50", "p90", "p99", "p999", "max"]), "\(phase)")
        }
        #expect(report.html.contains("<svg") && report.html.contains("upload→COMPLETED"))
        #expect(report.summary.contains("throughput 0.50 images/s"))
        var ramp = report
        ramp.ramp = [
            Ramp.Step(rate: 4, throughput: 4, p99Milliseconds: 380, errors: 0, withinThreshold: true),
            Ramp.Step(rate: 6, throughput: 5.1, p99Milliseconds: 3600, errors: 12, withinThreshold: false),
        ]
        ramp.knee = 4
        let lines = ramp.summary.split(separator: "\n").map(String.init)
        #expect(lines.contains("         4.0    4.00      380       0"), "\(lines)")
        #expect(lines.contains("         6.0    5.10     3600      12  over"), "\(lines)")
        #expect(lines.contains("knee: 4.0 images/s"))
    }
}

@Suite struct ArgumentTests {
    @Test func rampsAndSizesParseOrNameTheirFlag() throws {
        let ramp = try Ramp.parse("2:2:8", stepDuration: .seconds(5), threshold: 1000)
        #expect(ramp.rates == [2, 4, 6, 8])
        #expect(throws: LoadError.usage("--ramp", "'8:2:2' is not START:STEP:MAX with positive rates and MAX at least START")) {
            try Ramp.parse("8:2:2", stepDuration: .seconds(5), threshold: 1000)
        }
        #expect(try LoadImages.parseSizes("64x48,10x10").map { [$0.width, $0.height] } == [[64, 48], [10, 10]])
        #expect(throws: LoadError.self) { try LoadImages.parseSizes("64by48") }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("loadgen-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: LoadError.usage("--images", "no images found in \(empty.path)")) { try LoadImages.directory(empty.path) }
    }

    @Test func syntheticImagesAreRealJPEGsOfTheirSize() throws {
        let images = try LoadImages.synthetic([(width: 64, height: 48)])
        #expect(images.items[0].bytes.starts(with: [0xFF, 0xD8, 0xFF]))
        #expect(images.item(5).name == "synthetic-64x48.jpg")
    }
}

@Suite(.timeLimit(.minutes(10))) struct ClosedLoopTests {
    /// A target whose images finish only when the test says so.
    struct Uploads: LoadTarget {
        let recorder: Recorder
        let sent = SentLog()
        func send(_ index: Int) async throws -> String? {
            sent.add(index)
            return "image-\(index)"
        }
    }

    final class SentLog: @unchecked Sendable {
        private let lock = NSLock()
        private var indexes: [Int] = []
        var all: [Int] { lock.withLock { indexes } }
        func add(_ index: Int) { lock.withLock { indexes.append(index) } }
    }

    @Test func aClosedLoopKeepsItsImagesInThePipelineNotItsRequests() async throws {
        let recorder = Recorder()
        let target = Uploads(recorder: recorder)
        let driver = Driver(target: target, recorder: recorder, completionTimeout: .seconds(30))
        let run = Task { await driver.run(.concurrency(2), until: .count(4)) }
        while target.sent.all.count < 2 { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(50))
        #expect(target.sent.all.count == 2, "two images in flight: the third waits for one to finish")
        recorder.finished(handle: "image-0", failed: false)
        while target.sent.all.count < 3 { try await Task.sleep(for: .milliseconds(5)) }
        for index in 1..<4 { recorder.finished(handle: "image-\(index)", failed: false) }
        #expect(await run.value == 4)
        #expect(recorder.snapshot.completed == 4)
    }

    @Test func anImageThatNeverFinishesIsCountedAndItsSenderMovesOn() async throws {
        let recorder = Recorder()
        let driver = Driver(target: Uploads(recorder: recorder), recorder: recorder, completionTimeout: .milliseconds(50))
        #expect(await driver.run(.concurrency(1), until: .count(2)) == 2)
        #expect(recorder.snapshot.errors == ["not_finished": 2])
    }
}
