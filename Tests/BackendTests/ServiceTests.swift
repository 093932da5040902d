import BlockingWork
import Foundation
import Imaging
import ImagingFixtures
import Logging
import Testing

@testable import FileStorage
@testable import Pipeline
@testable import SQLiteBackend

/// The ingest → worker → record → notify flow on the embedded default: real SQLite, real files
/// and real libvips.
struct ServiceHarness {
    let store: SQLiteStore
    let blobs: FileBlobStore
    let events: EventBroadcaster
    let ingestor: Ingestor
    let worker: Worker
    let pool = BlockingPool(threads: 2)

    let log = CapturedLog()

    init(maxAttempts: Int = 3, maxQueueDepth: Int = 1000, visibility: Duration = .seconds(60), catalog: RecipeCatalog = .builtIn) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("service-\(UUID().uuidString)")
        store = try await SQLiteStore(path: root.path + ".sqlite")
        blobs = try FileBlobStore(root: root)
        events = EventBroadcaster()
        ingestor = Ingestor(
            intake: OriginalIntake(blobs: blobs, metadata: store, limits: .default, pool: pool), committer: .together(store), catalog: catalog,
            maxQueueDepth: maxQueueDepth)
        worker = Worker(
            blobs: blobs, metadata: store, queue: store, notifier: events,
            renderer: try InProcessRenderer(catalog: catalog, limits: .default, pool: pool), limits: .default,
            settings: WorkerSettings(visibility: visibility, retry: RetryPolicy(maxAttempts: maxAttempts, firstDelay: .milliseconds(10))),
            doorbell: Doorbell(), logger: Logger(label: "test.worker", factory: { [log] _ in log }))
    }

    static func photo(width: Int = 900, height: Int = 600) throws -> [UInt8] {
        try TestPhoto.bytes(width: width, height: height, blue: 100)
    }
}

/// Log lines kept for a test to read.
///
/// `@unchecked Sendable`: `lines` is only touched with `lock` held; the rest is set once.
final class CapturedLog: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lock.withLock { lines.append("\(event.level) \(event.message) \(fields)") }
    }

    var text: String { lock.withLock { lines.joined(separator: "\n") } }
}

@Suite(.timeLimit(.minutes(10))) struct ServiceTests {
    @Test func aFailedJobIsLoggedWithItsImageAndTheCause() async throws {
        let service = try await ServiceHarness()
        let record = try await service.ingestor.ingest(Upload(filename: "a.jpg", bytes: try ServiceHarness.photo()), recipe: "default")
        try await service.blobs.delete(prefix: "originals/\(record.id)/")
        #expect(try await service.worker.processNext())
        #expect(try await service.store.record(id: record.id)?.status == .failed)
        let log = service.log.text
        #expect(log.contains("error image failed"), "\(log)")
        #expect(log.contains("image=\(record.id)") && log.contains("attempt=1") && log.contains("missing from storage"), "\(log)")
    }

    @Test func anUploadIsStoredRecordedProcessedAndAnnounced() async throws {
        let service = try await ServiceHarness()
        let stream = service.events.subscribe()
        let record = try await service.ingestor.ingest(
            Upload(filename: "../../etc/My Photo!.jpg", bytes: try ServiceHarness.photo()), recipe: "default")
        #expect(record.status == .pending && record.width == 900 && record.height == 600 && record.format == "jpeg")
        #expect(record.originalKey == "originals/\(record.id)/My_Photo_.jpg", "a file name is never a path")
        #expect(try await service.blobs.get(record.originalKey)?.count == record.bytes)
        #expect(record.sha256 == ContentDigest.sha256Hex(try #require(try await service.blobs.get(record.originalKey))))

        #expect(try await service.worker.processNext())
        let done = try #require(try await service.store.record(id: record.id))
        #expect(done.status == .completed && done.attempts == 1 && done.error == nil)
        #expect(done.variants.map { "\($0.name) \($0.width)x\($0.height)" } == ["thumbnail 150x100", "medium 800x533", "large 900x600"])
        for variant in done.variants {
            let bytes = try #require(try await service.blobs.get(variant.key))
            #expect(bytes.count == variant.bytes && variant.key == "variants/\(record.id)/\(variant.name).jpg")
            #expect(try ImageSource.open(bytes).header.width == variant.width)
        }
        var seen: [ImageStatus] = []
        for await event in stream {
            seen.append(event.status)
            if event.status.isFinal {
                #expect(event.variants.count == 3)
                break
            }
        }
        #expect(seen == [.processing, .completed])
        #expect(try await service.worker.processNext() == false, "the queue is empty")
    }

    @Test func refusedUploadsLeaveNothingBehind() async throws {
        let service = try await ServiceHarness(maxQueueDepth: 1)
        let unknown = try await #require(throws: IngestError.self) {
            try await service.ingestor.ingest(Upload(filename: "a.jpg", bytes: try ServiceHarness.photo()), recipe: "nope")
        }
        #expect(unknown.kind == .unknownRecipe && unknown.message.contains("default"))
        let notImage = try await #require(throws: IngestError.self) {
            try await service.ingestor.ingest(Upload(filename: "a.jpg", bytes: Array("hello".utf8)), recipe: "default")
        }
        #expect(notImage.kind == .refused(.unsupportedFormat))
        #expect(try await service.store.list(status: nil, limit: 10, after: nil).isEmpty)
        let entries = try FileManager.default.contentsOfDirectory(atPath: service.blobs.root.path)
        #expect(entries.isEmpty, "no orphan blobs: \(entries)")

        _ = try await service.ingestor.ingest(Upload(filename: "a.jpg", bytes: try ServiceHarness.photo(width: 60, height: 40)), recipe: "default")
        let full = try await #require(throws: IngestError.self) {
            try await service.ingestor.ingest(Upload(filename: "b.jpg", bytes: try ServiceHarness.photo(width: 60, height: 40)), recipe: "default")
        }
        #expect(full.kind == .busy && full.code == "queue_full")
    }

    @Test func aDamagedSourceFailsAtOnceWithoutRetrying() async throws {
        let service = try await ServiceHarness()
        let photo = try ServiceHarness.photo()
        // Uploads refuse a cut file; one that skipped that check (an S3 drop, which is never
        // turned away) still reaches the worker, stored here directly.
        let cut = Array(photo.prefix(photo.count / 2))
        await #expect(throws: IngestError.self) { try await service.ingestor.ingest(Upload(filename: "cut.jpg", bytes: cut), recipe: "default") }
        let record = ImageRecord(
            id: ImageID.generate(), filename: "cut.jpg", recipe: "default", contentType: "image/jpeg", bytes: cut.count,
            sha256: ContentDigest.sha256Hex(cut), originalKey: "originals/cut/cut.jpg")
        try await service.blobs.put(record.originalKey, bytes: cut, contentType: "image/jpeg")
        try await service.store.insertCommitting(record, job: Job(imageID: record.id, recipe: "default", generation: record.generation))
        #expect(try await service.worker.processNext())
        let failed = try #require(try await service.store.record(id: record.id))
        #expect(failed.status == .failed && failed.attempts == 1)
        #expect(failed.error?.contains("corrupt or truncated") == true)
        #expect(try await service.store.deadLetters().map(\.job.imageID) == [record.id])
    }

    @Test func aJobPastItsAttemptsFailsTheImage() async throws {
        let service = try await ServiceHarness(maxAttempts: 2, visibility: .milliseconds(1))
        let record = try await service.ingestor.ingest(
            Upload(filename: "a.jpg", bytes: try ServiceHarness.photo(width: 60, height: 40)), recipe: "default")
        // Two workers "crash" holding the job: their leases expire unacknowledged.
        for _ in 0..<2 {
            _ = try #require(try await service.store.lease(for: .milliseconds(1)))
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(try await service.worker.processNext())
        let failed = try #require(try await service.store.record(id: record.id))
        #expect(failed.status == .failed && failed.error?.contains("after 2 attempts") == true)
    }

    @Test func aCrashedWorkersJobComesBackAndCompletes() async throws {
        // No clock in the test: the dead worker holds a long lease, which is then made to lapse
        // (its visibility moved to now), exactly what the passing of time does to it.
        let service = try await ServiceHarness()
        let record = try await service.ingestor.ingest(
            Upload(filename: "a.jpg", bytes: try ServiceHarness.photo(width: 300, height: 200)), recipe: "grayscale")
        let dead = try #require(try await service.store.lease(for: .seconds(3600)))  // the worker that dies
        #expect(try await service.worker.processNext() == false, "a job under a live lease is nobody else's")
        #expect(try await service.store.extendLease(dead, by: .zero))
        #expect(try await service.worker.processNext())
        let done = try #require(try await service.store.record(id: record.id))
        #expect(done.status == .completed && done.attempts == 2 && done.variants.map(\.name) == ["grayscale"])
    }

    /// Reprocessing and deleting live in `ImageLifecycle`, shared by every front end.
    @Test func theLifecycleRestartsAndDeletesWithTheirEvents() async throws {
        let service = try await ServiceHarness()
        let heard = HeardEvents()
        let lifecycle = ImageLifecycle(ingestor: service.ingestor, notifier: heard, doorbell: Doorbell())
        let record = try await service.ingestor.ingest(
            Upload(filename: "a.jpg", bytes: try ServiceHarness.photo(width: 300, height: 200)), recipe: "grayscale")
        #expect(try await service.worker.processNext())
        let done = try #require(try await service.store.record(id: record.id))
        await #expect(throws: IngestError.self) { try await lifecycle.restart(done, recipe: "no-such-recipe") }
        #expect(try await service.store.depth() == 0, "a refused restart queues nothing")

        let restarted = try #require(try await lifecycle.restart(done, recipe: "pixelate"))
        #expect(restarted.status == .pending && restarted.generation == 2 && restarted.recipe == "pixelate")
        #expect(try await service.store.depth() == 1)
        for variant in done.variants { #expect(try await service.blobs.get(variant.key) == nil, "the old generation's files are gone") }

        #expect(try await lifecycle.delete(id: record.id)?.id == record.id)
        #expect(try await service.store.record(id: record.id) == nil)
        #expect(try await service.blobs.get(record.originalKey) == nil)
        #expect(try await lifecycle.delete(id: record.id) == nil, "deleting twice finds nothing")
        #expect(await heard.events.map { "\($0.status.rawValue)\($0.deleted ? " deleted" : "")" } == ["PENDING", "PENDING deleted"])
    }

    @Test func reprocessRunsANewRecipeAndStaleJobsAreSkipped() async throws {
        let service = try await ServiceHarness()
        let record = try await service.ingestor.ingest(
            Upload(filename: "a.jpg", bytes: try ServiceHarness.photo(width: 300, height: 200)), recipe: "default")
        _ = try await service.store.restartCommitting(id: record.id, recipe: "pixelate")
        #expect(try await service.worker.processNext())  // the first generation's job: skipped
        #expect(try await service.worker.processNext())
        let done = try #require(try await service.store.record(id: record.id))
        #expect(done.status == .completed && done.generation == 2 && done.recipe == "pixelate")
        #expect(done.variants.map(\.name) == ["pixel-8", "pixel-16", "pixel-32", "pixel-48", "pixel-64", "mosaic"])
        #expect(try await service.store.depth() == 0)
    }

    @Test func workersRunConcurrentlyUntilCancelled() async throws {
        let service = try await ServiceHarness()
        var ids: [String] = []
        for n in 0..<12 {
            ids.append(
                try await service.ingestor.ingest(
                    Upload(filename: "p\(n).jpg", bytes: try ServiceHarness.photo(width: 200, height: 150)), recipe: "default"
                ).id)
        }
        let workers = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<3 { group.addTask { await service.worker.run() } }
            }
        }
        var completed = 0
        for _ in 0..<200 where completed < ids.count {
            try await Task.sleep(for: .milliseconds(50))
            completed = try await service.store.list(status: .completed, limit: 100, after: nil).count
        }
        workers.cancel()
        await workers.value
        #expect(completed == ids.count)
    }
}

/// Every event a notifier was given, in order.
actor HeardEvents: Notifier {
    private(set) var events: [ImageEvent] = []
    func notify(_ event: ImageEvent) async { events.append(event) }
}
