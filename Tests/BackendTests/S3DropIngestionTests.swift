import AWSSigning
import BlockingWork
import Foundation
import Imaging
import ImagingFixtures
import Logging
import Testing

@testable import AWSBackends
@testable import FileStorage
@testable import Pipeline
@testable import SQLiteBackend

/// S3 drops, end to end on moto (signatures checked) with SQLite records: an image dropped into
/// the input bucket as `application/octet-stream` comes out of the events queue as a job whose
/// record is filled the way an upload's is.
@Suite(.enabled(if: MotoServer.available, MotoServer.skipReason), .timeLimit(.minutes(10))) struct S3DropIngestionTests {
    /// An input bucket, an output location, an events queue, SQLite records, and a worker.
    struct Drops {
        let s3: S3Client
        let sqs: SQSClient
        let queueURL: String
        let input: BucketLocation
        let output: BucketLocation
        let store: SQLiteStore
        let blobs: S3BlobStore
        let events: S3EventQueue
        let worker: Worker

        init(limits: Limits = .default) async throws {
            let environment = try await MotoServer.signed.environment()
            s3 = S3Client(environment: environment)
            sqs = SQSClient(environment: environment)
            let bucket = MotoServer.uniqueName("drops")
            try await s3.createBucket(bucket)
            input = BucketLocation(bucket: bucket, prefix: "incoming/")
            output = BucketLocation(bucket: bucket, prefix: "processed/")
            queueURL = try await sqs.createQueue(MotoServer.uniqueName("events"))
            store = try await SQLiteStore(
                path: FileManager.default.temporaryDirectory.appendingPathComponent("drops-\(UUID().uuidString).sqlite").path)
            blobs = S3BlobStore(client: s3, location: output)
            let pool = BlockingPool(threads: 2)
            let intake = OriginalIntake(blobs: blobs, metadata: store, limits: limits, pool: pool)
            let drops = try DropIngestor(intake: intake, reader: s3, input: input, output: output, recipe: "default")
            // The name, not the URL: resolved on first use.
            let name = String(queueURL.split(separator: "/").last!)
            events = S3EventQueue(sqs: sqs, queue: "sqs://\(name)", drops: drops)
            worker = Worker(
                blobs: blobs, metadata: store, queue: events, notifier: NotifierFanOut([]),
                renderer: try InProcessRenderer(catalog: .builtIn, limits: limits, pool: pool), limits: limits,
                settings: WorkerSettings(visibility: .seconds(30)), doorbell: Doorbell())
        }

        /// Drops `bytes` at `key` as S3 would and sends the notification S3 would send.
        func drop(_ key: String, _ bytes: [UInt8], bucket: String? = nil, eventName: String = "ObjectCreated:Put") async throws {
            let bucket = bucket ?? input.bucket
            try await s3.putObject(bucket: bucket, key: key, bytes: bytes, options: .init(contentType: "application/octet-stream"))
            let eTag = try #require(try await s3.headObject(bucket: bucket, key: key)).eTag
            try await notify(S3ObjectEvent(eventName: eventName, bucket: bucket, key: key, size: bytes.count, eTag: eTag))
        }

        func notify(_ event: S3ObjectEvent) async throws {
            try await sqs.send(queue: queueURL, body: event.asEventJSON)
        }

        /// Leases until a job comes or the queue stays empty.
        func nextLease() async throws -> Lease? {
            for _ in 0..<3 {
                if let lease = try await events.lease(for: .seconds(30)) { return lease }
            }
            return nil
        }

        func records() async throws -> [ImageRecord] {
            try await store.list(status: nil, limit: 100, after: nil)
        }
    }

    static func photo() throws -> [UInt8] { try TestPhoto.bytes(width: 320, height: 200) }

    @Test func aDroppedImageGetsTheRecordAnUploadGets() async throws {
        let drops = try await Drops()
        let photo = try Self.photo()
        try await drops.drop("incoming/summer trip/café 1.jpg", photo)
        let lease = try #require(try await drops.nextLease())
        let record = try #require(try await drops.store.record(id: lease.job.imageID))
        #expect(record.contentType == "image/jpeg", "decided by magic bytes, not S3's application/octet-stream")
        #expect(record.sha256 == ContentDigest.sha256Hex(photo))
        #expect(record.bytes == photo.count)
        #expect(record.filename == "café 1.jpg")
        #expect((record.width, record.height, record.format) == (320, 200, "jpeg"))
        #expect(record.originalKey.hasPrefix("originals/\(record.id)/"), "in the blob store, like an upload's: \(record.originalKey)")
        #expect(try await drops.blobs.get(record.originalKey) == photo, "any blob store reads it")
        #expect(lease.job == Job(imageID: record.id, recipe: "default", generation: 1))

        // The worker finishes it from the copy, and the event leaves the queue.
        try await drops.events.retry(lease, after: .zero)
        #expect(try await drops.worker.processNext())
        let done = try #require(try await drops.store.record(id: record.id))
        #expect(done.status == .completed && done.variants.count == 3)
        #expect(try await drops.events.depth() == 0)
    }

    @Test func aRedeliveredEventNamesTheSameImageAndMakesNothingTwice() async throws {
        let drops = try await Drops()
        try await drops.drop("incoming/once.jpg", try Self.photo())
        let first = try #require(try await drops.nextLease())
        let eTag = try #require(try await drops.s3.headObject(bucket: drops.input.bucket, key: "incoming/once.jpg")).eTag
        try await drops.notify(
            S3ObjectEvent(eventName: "ObjectCreated:Put", bucket: drops.input.bucket, key: "incoming/once.jpg", size: 1, eTag: eTag))
        let second = try #require(try await drops.nextLease())
        #expect(second.job == first.job)
        #expect(try await drops.records().count == 1)
    }

    @Test func outputsOtherBucketsAndOtherEventsAreDeletedWithoutARecord() async throws {
        let drops = try await Drops()
        let photo = try Self.photo()
        try await drops.drop("processed/variants/x/large.jpg", photo)  // the worker's own output
        try await drops.drop("elsewhere/a.jpg", photo)  // outside the input prefix
        try await drops.drop("incoming/removed.jpg", photo, eventName: "ObjectRemoved:Delete")
        #expect(try await drops.nextLease() == nil)
        #expect(try await drops.records().isEmpty)
        #expect(try await drops.events.depth() == 0, "every such event is deleted")
    }

    @Test func aBrokenDropIsRecordedAndFailsWithTheProbesMessage() async throws {
        let drops = try await Drops()
        let photo = try Self.photo()
        try await drops.drop("incoming/cut.jpg", Array(photo.prefix(photo.count / 2)))
        try await drops.drop("incoming/notes.jpg", Array("just some text, not an image".utf8))
        var failed: [String: ImageRecord] = [:]
        while let lease = try await drops.nextLease() {
            let record = try #require(try await drops.store.record(id: lease.job.imageID))
            try await drops.events.retry(lease, after: .zero)
            #expect(try await drops.worker.processNext())
            failed[record.filename] = try await drops.store.record(id: record.id)
        }
        let cut = try #require(failed["cut.jpg"])
        #expect(cut.status == .failed && cut.error?.contains("corrupt or truncated") == true, "\(cut.error ?? "")")
        #expect(cut.contentType == "image/jpeg" && !cut.sha256.isEmpty)
        let notes = try #require(failed["notes.jpg"])
        #expect(notes.status == .failed && notes.error?.contains("not a supported image format") == true, "\(notes.error ?? "")")
        #expect(notes.contentType == "application/octet-stream")
        #expect(try await drops.events.depth() == 0)
    }

    @Test func aDropOverTheSizeLimitFailsWithoutBeingDownloaded() async throws {
        var limits = Limits.default
        limits.maxFileBytes = 1000
        let drops = try await Drops(limits: limits)
        try await drops.drop("incoming/big.jpg", try Self.photo())
        let lease = try #require(try await drops.nextLease())
        let record = try #require(try await drops.store.record(id: lease.job.imageID))
        #expect(record.sha256.isEmpty && record.bytes > 1000)
        #expect(try await drops.blobs.get(record.originalKey) == nil, "never copied")
        try await drops.events.retry(lease, after: .zero)
        #expect(try await drops.worker.processNext())
        let failed = try #require(try await drops.store.record(id: record.id))
        #expect(failed.status == .failed && failed.error?.contains("the limit is 1000 bytes") == true)
    }

    @Test func overlappingLocationsAreRefused() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("o-\(UUID().uuidString)")
        let store = try await SQLiteStore(path: root.path + ".sqlite")
        let intake = OriginalIntake(blobs: try FileBlobStore(root: root), metadata: store, limits: .default, pool: BlockingPool(threads: 1))
        let s3 = S3Client(environment: try await MotoServer.signed.environment())
        #expect(throws: OverlappingLocationsError.self) {
            try DropIngestor(
                intake: intake, reader: s3, input: BucketLocation(bucket: "b-1", prefix: "in"),
                output: BucketLocation(bucket: "b-1", prefix: "in/out"),
                recipe: "default")
        }
    }
}

extension S3DropIngestionTests {
    @Test func aKeyWithDotSegmentsIsNeverReadAndFailsNamingIt() async throws {
        let drops = try await Drops()
        try await drops.drop("incoming/a/../sneaky.jpg", try Self.photo())
        let lease = try #require(try await drops.nextLease())
        try await drops.events.retry(lease, after: .zero)
        #expect(try await drops.worker.processNext())
        let failed = try #require(try await drops.store.record(id: lease.job.imageID))
        #expect(failed.status == .failed && failed.error?.contains("not a valid blob key") == true, "\(failed.error ?? "")")
        #expect(try await drops.blobs.list(prefix: "originals/").isEmpty, "nothing was copied")
    }
}
