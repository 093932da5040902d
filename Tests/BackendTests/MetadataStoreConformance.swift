import AWSBackends
import Foundation
import Imaging
import Testing

@testable import Pipeline
@testable import PostgresBackend
@testable import SQLiteBackend

/// Every MetadataStore and JobQueue implementation passes these: SQLite (records and queue in
/// one database), and DynamoDB with an SQS queue on moto with signatures checked (when moto is
/// installed; S3BlobStoreTests says so when it is not).
enum Stores {
    typealias Factory = @Sendable () async throws -> (any MetadataStore, any JobQueue)

    /// A metadata store and job queue pair, named by its backends in the test report.
    struct Combination: Sendable, CustomTestStringConvertible {
        let name: String
        let make: Factory
        /// How this pair commits a record and its job, as the composition root chooses it.
        let committer: @Sendable (any MetadataStore, any JobQueue) -> RecordCommitter
        /// False for SQS standard queues, which deliver at least once (see JobQueue).
        var leasesToOneWorker = true
        var testDescription: String { name }
        func callAsFunction() async throws -> (any MetadataStore, any JobQueue) { try await make() }
    }

    /// A new SQLite database, holding both records and jobs.
    static func sqlite() async throws -> SQLiteStore {
        try await SQLiteStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("db-\(UUID().uuidString).sqlite").path)
    }

    static let all: [Combination] =
        [
            Combination(
                name: "sqlite",
                make: {
                    let store = try await sqlite()
                    return (store, store)
                },
                committer: { metadata, _ in .together(metadata as! SQLiteStore) })  // built just above, as the composition root does
        ]
        + (PostgresServer.available
            ? [
                Combination(
                    name: "postgres",
                    make: {
                        let store = try await PostgresServer.shared.freshStore()
                        return (store, store)
                    }, committer: { metadata, _ in .together(metadata as! PostgresStore) })
            ] : [])
        + (MotoServer.available
            ? [
                Combination(
                    name: "dynamodb+sqs", make: { try await dynamoDBAndSQS() }, committer: { .separate(metadata: $0, queue: $1) },
                    leasesToOneWorker: false)
            ] : [])

    /// A new table and a new queue on the signature-checking moto.
    static func dynamoDBAndSQS() async throws -> (any MetadataStore, any JobQueue) {
        let environment = try await MotoServer.signed.environment()
        let dynamo = DynamoDBClient(environment: environment)
        let table = MotoServer.uniqueName("images")
        try await DynamoDBMetadataStore.createTable(client: dynamo, table: table)
        let sqs = SQSClient(environment: environment)
        let queue = try await sqs.createQueue(MotoServer.uniqueName("jobs"))
        let dead = try await sqs.createQueue(MotoServer.uniqueName("dead"))
        return (DynamoDBMetadataStore(client: dynamo, table: table), SQSJobQueue(client: sqs, queue: queue, deadLetterQueue: dead))
    }

    static func record(_ id: String = ImageID.generate(), filename: String = "a.jpg") -> ImageRecord {
        ImageRecord(
            id: id, filename: filename, recipe: "default", contentType: "image/jpeg", bytes: 10, sha256: "abc",
            originalKey: "originals/\(id)/\(filename)")
    }
}

@Suite(.timeLimit(.minutes(10))) struct MetadataStoreConformance {
    @Test(arguments: Stores.all)
    func insertWithJobThenReadBack(_ stores: Stores.Combination) async throws {
        let (metadata, queue) = try await stores()
        var record = Stores.record()
        record.width = 40
        try await stores.committer(metadata, queue).insert(record, job: Job(imageID: record.id, recipe: "default", generation: 1))
        let stored = try #require(try await metadata.record(id: record.id))
        #expect(stored.id == record.id && stored.status == .pending && stored.width == 40 && stored.generation == 1)
        #expect(abs(stored.createdAt.timeIntervalSince(record.createdAt)) < 0.001)
        #expect(try await queue.depth() == 1)
        #expect(try await metadata.record(id: "missing") == nil)
    }

    @Test(arguments: Stores.all)
    func statusMovesForwardOnlyAndRespectsGeneration(_ stores: Stores.Combination) async throws {
        let (metadata, _) = try await stores()
        let record = Stores.record()
        try await metadata.insert(record)
        #expect(
            try await metadata.complete(
                id: record.id, generation: 1, attempt: 1, with: CompletedImage(width: 1, height: 1, format: "jpeg", variants: [])) == false,
            "PENDING cannot jump to COMPLETED")
        #expect(try await metadata.markProcessing(id: record.id, generation: 2, attempts: 1) == false, "wrong generation")
        #expect(try await metadata.markProcessing(id: record.id, generation: 1, attempts: 1))
        let variant = VariantRecord(
            name: "large", key: "variants/x/large.jpg", width: 10, height: 5, bytes: 99, format: "jpeg", contentType: "image/jpeg")
        // A second worker takes the job over (its lease expired): the first cannot complete.
        #expect(try await metadata.markProcessing(id: record.id, generation: 1, attempts: 2))
        #expect(
            try await metadata.complete(
                id: record.id, generation: 1, attempt: 1, with: CompletedImage(width: 20, height: 10, format: "jpeg", variants: [variant])) == false,
            "the first holder's completion is fenced off")
        #expect(
            try await metadata.complete(
                id: record.id, generation: 1, attempt: 2, with: CompletedImage(width: 20, height: 10, format: "jpeg", variants: [variant])))
        let done = try #require(try await metadata.record(id: record.id))
        #expect(done.status == .completed && done.variants == [variant] && done.attempts == 2 && done.completedAt != nil)
        #expect(try await metadata.markProcessing(id: record.id, generation: 1, attempts: 3) == false, "COMPLETED never moves back")
        #expect(try await metadata.fail(id: record.id, generation: 1, error: "late") == false)
    }

    /// `x-amz-meta-image-id`: a PENDING, unattempted record is taken over with its id; a record
    /// in any other state is left as it is.
    @Test(arguments: Stores.all)
    func adoptTakesAnUnattemptedPendingRecordOnly(_ stores: Stores.Combination) async throws {
        let (metadata, _) = try await stores()
        let fresh = Stores.record(UUID().uuidString.lowercased(), filename: "new.jpg")
        #expect(try await metadata.adopt(fresh), "no record yet: it is inserted")
        #expect(try await metadata.record(id: fresh.id)?.filename == "new.jpg")

        let waiting = Stores.record(filename: "written-by-the-app.jpg")
        try await metadata.insert(waiting)
        var replacement = Stores.record(waiting.id, filename: "uploaded.jpg")
        replacement.sha256 = "def"
        #expect(try await metadata.adopt(replacement))
        let adopted = try #require(try await metadata.record(id: waiting.id))
        #expect(adopted.filename == "uploaded.jpg" && adopted.sha256 == "def" && adopted.status == .pending)

        #expect(try await metadata.markProcessing(id: waiting.id, generation: 1, attempts: 1))
        #expect(try await metadata.adopt(Stores.record(waiting.id, filename: "late.jpg")) == false, "under way: left alone")
        let done = Stores.record(filename: "done.jpg")
        try await metadata.insert(done)
        _ = try await metadata.fail(id: done.id, generation: 1, error: "x")
        #expect(try await metadata.adopt(Stores.record(done.id, filename: "late.jpg")) == false)
        #expect(try await metadata.record(id: done.id)?.filename == "done.jpg")
    }

    /// Regions sent with an upload, the faces a worker found, and a person's review all survive
    /// a round trip, and a reprocess keeps them (detection runs once per image).
    @Test(arguments: Stores.all)
    func regionsAreStoredCompletedReplacedAndKeptByARestart(_ stores: Stores.Combination) async throws {
        let (metadata, queue) = try await stores()
        var record = Stores.record()
        let plate = Region(x: 0.1, y: 0.7, width: 0.25, height: 0.08, kind: .manual)
        record.regions = .manual([plate])
        try await metadata.insert(record)
        #expect(try await metadata.record(id: record.id)?.regions == .manual([plate]))
        let face = Region(x: 0.4, y: 0.2, width: 0.125, height: 0.2, kind: .face, score: 0.93)
        let found = ImageRegions.manual([plate]).withDetected([face])
        #expect(try await metadata.markProcessing(id: record.id, generation: 1, attempts: 1))
        #expect(
            try await metadata.complete(
                id: record.id, generation: 1, attempt: 1, with: CompletedImage(width: 8, height: 8, format: "jpeg", variants: [], regions: found)))
        #expect(try await metadata.record(id: record.id)?.regions == found)
        let reviewed = ImageRegions(regions: [face], facesDetected: true, reviewed: true)
        #expect(try await metadata.setRegions(id: record.id, regions: reviewed))
        #expect(try await metadata.setRegions(id: "missing", regions: reviewed) == false)
        let restarted = try #require(try await stores.committer(metadata, queue).restart(id: record.id, recipe: "privacy"))
        #expect(restarted.regions == reviewed)
        #expect(try await metadata.list(status: nil, limit: 10, after: nil).first { $0.id == record.id }?.regions == reviewed)
    }

    @Test(arguments: Stores.all)
    func aPlaceholderAndFactsAreStoredWithCompletionAndThePlaceholderClearedByARestart(_ stores: Stores.Combination) async throws {
        let (metadata, queue) = try await stores()
        let record = Stores.record()
        try await metadata.insert(record)
        #expect(try await metadata.record(id: record.id)?.placeholder == nil, "none before completion")
        let placeholder = Placeholder(
            blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj", thumbhash: "1QcSHQRnh493V4dIh4eXh1h4kJUI", averageColor: "#7f6a55",
            dominantColor: "#20301f", preview: "data:image/webp;base64,UklGRh4AAABXRUJQVlA4TBEAAAAvAQAAAAfQ//73v/+BiOh/AAA=")
        let facts = ImageFacts(
            format: "jpeg", width: 8, height: 8, frames: 1, delays: nil, hasAlpha: false, colorSpace: "srgb", bitDepth: 8,
            iccProfile: "sRGB IEC61966-2.1", orientation: 6, camera: .init(make: "Canon", model: "EOS R5", lens: nil),
            takenAt: "2024-05-06T07:08:09+02:00", exposure: .init(time: 0.008, fNumber: 2.8, iso: 400, focalLength: 50),
            hasGPS: true, gps: nil)
        #expect(try await metadata.markProcessing(id: record.id, generation: 1, attempts: 1))
        #expect(
            try await metadata.complete(
                id: record.id, generation: 1, attempt: 1,
                with: CompletedImage(width: 8, height: 8, format: "jpeg", variants: [], placeholder: placeholder, facts: facts)))
        #expect(try await metadata.record(id: record.id)?.placeholder == placeholder)
        #expect(try await metadata.record(id: record.id)?.facts == facts, "facts, typed, through every store")
        #expect(try await metadata.list(status: .completed, limit: 10, after: nil).first { $0.id == record.id }?.placeholder == placeholder)
        // A new run may hide new regions or turn placeholders off: the old one goes at once.
        let restarted = try #require(try await stores.committer(metadata, queue).restart(id: record.id, recipe: "privacy"))
        #expect(restarted.placeholder == nil)
        #expect(try await metadata.record(id: record.id)?.placeholder == nil)
        // A run without a placeholder (its recipe makes none) completes with none.
        #expect(try await metadata.markProcessing(id: record.id, generation: 2, attempts: 1))
        #expect(
            try await metadata.complete(
                id: record.id, generation: 2, attempt: 1, with: CompletedImage(width: 8, height: 8, format: "jpeg", variants: [])))
        #expect(try await metadata.record(id: record.id)?.placeholder == nil)
    }

    @Test(arguments: Stores.all)
    func listingsFilterOnTheFormatAndWhenThePhotoWasTaken(_ stores: Stores.Combination) async throws {
        let (metadata, _) = try await stores()
        func completed(_ format: String, taken: String?) async throws -> String {
            let record = Stores.record()
            try await metadata.insert(record)
            let facts = ImageFacts(
                format: format, width: 8, height: 8, frames: 1, delays: nil, hasAlpha: false, colorSpace: "srgb", bitDepth: 8, iccProfile: nil,
                orientation: 1, camera: nil, takenAt: taken, exposure: nil, hasGPS: false, gps: nil)
            #expect(try await metadata.markProcessing(id: record.id, generation: 1, attempts: 1))
            #expect(
                try await metadata.complete(
                    id: record.id, generation: 1, attempt: 1, with: CompletedImage(width: 8, height: 8, format: format, variants: [], facts: facts)))
            return record.id
        }
        let may = try await completed("jpeg", taken: "2024-05-06T07:08:09+02:00")
        let newYear = try await completed("png", taken: "2023-01-01T00:00:00")
        let undated = try await completed("jpeg", taken: nil)
        func ids(_ filter: FactsFilter) async throws -> Set<String> {
            Set(try await metadata.list(status: nil, limit: 50, after: nil, matching: filter).map(\.id))
        }
        #expect(try await ids(FactsFilter(format: "jpeg")) == [may, undated])
        #expect(try await ids(FactsFilter(takenFrom: "2024-01-01")) == [may], "an undated image is outside every range")
        #expect(try await ids(FactsFilter(takenBefore: "2024-01-01")) == [newYear])
        #expect(
            try await ids(FactsFilter(takenFrom: "2023-01-01T00:00:00", takenBefore: "2024-05-06T07:08:09")) == [newYear],
            "from is inclusive, before exclusive, in the camera's local time")
        #expect(try await ids(FactsFilter(format: "png", takenFrom: "2024-01-01")).isEmpty)
        #expect(try await metadata.list(status: .completed, limit: 1, after: nil, matching: FactsFilter(format: "png")).map(\.id) == [newYear])
        #expect(try await ids(FactsFilter()) == [may, newYear, undated])
    }

    @Test(arguments: Stores.all)
    func restartStartsANewGenerationWithItsJob(_ stores: Stores.Combination) async throws {
        let (metadata, queue) = try await stores()
        let record = Stores.record()
        try await metadata.insert(record)
        _ = try await metadata.fail(id: record.id, generation: 1, error: "boom")
        let restarted = try #require(try await stores.committer(metadata, queue).restart(id: record.id, recipe: "grayscale"))
        #expect(restarted.status == .pending && restarted.generation == 2 && restarted.recipe == "grayscale" && restarted.error == nil)
        let lease = try #require(try await queue.lease(for: .seconds(30)))
        #expect(lease.job == Job(imageID: record.id, recipe: "grayscale", generation: 2))
        #expect(try await stores.committer(metadata, queue).restart(id: "missing", recipe: "default") == nil)
    }

    @Test(arguments: Stores.all)
    func listIsNewestFirstWithCursorAndStatusFilter(_ stores: Stores.Combination) async throws {
        let (metadata, _) = try await stores()
        var ids: [String] = []
        for n in 0..<5 {
            let id = ImageID.generate(at: Date(timeIntervalSince1970: 1_700_000_000 + Double(n)))
            ids.append(id)
            try await metadata.insert(Stores.record(id))
        }
        _ = try await metadata.fail(id: ids[1], generation: 1, error: "x")
        let first = try await metadata.list(status: nil, limit: 2, after: nil)
        #expect(first.map(\.id) == [ids[4], ids[3]])
        let second = try await metadata.list(status: nil, limit: 2, after: first.last?.id)
        #expect(second.map(\.id) == [ids[2], ids[1]])
        #expect(try await metadata.list(status: .failed, limit: 10, after: nil).map(\.id) == [ids[1]])
    }

    @Test(arguments: Stores.all)
    func deleteRemovesTheRecordAndItsJobs(_ stores: Stores.Combination) async throws {
        let (metadata, queue) = try await stores()
        let record = Stores.record()
        try await stores.committer(metadata, queue).insert(record, job: Job(imageID: record.id, recipe: "default", generation: 1))
        #expect(try await metadata.delete(id: record.id)?.id == record.id)
        #expect(try await metadata.record(id: record.id) == nil)
        #expect(try await metadata.delete(id: record.id) == nil)
        if queue is SQSJobQueue {
            // SQS cannot remove one message by its content: the job stays, and the worker skips
            // it because its record is gone.
            let stale = try #require(try await queue.lease(for: .seconds(1)))
            #expect(try await metadata.record(id: stale.job.imageID) == nil)
        } else {
            #expect(try await queue.lease(for: .seconds(1)) == nil)
        }
    }
}

@Suite(.timeLimit(.minutes(10))) struct IdempotencyConformance {
    @Test(arguments: Stores.all)
    func aKeyIsClaimedOnceCompletedOrReleased(_ stores: Stores.Combination) async throws {
        let (metadata, _) = try await stores()
        #expect(try await metadata.claimIdempotencyKey("k1", fingerprint: "f-k1") == .claimed)
        #expect(try await metadata.claimIdempotencyKey("k1", fingerprint: "f-k1") == .inProgress)
        try await metadata.completeIdempotencyKey("k1", imageIDs: ["a", "b"])
        #expect(try await metadata.claimIdempotencyKey("k1", fingerprint: "f-k1") == .completed(["a", "b"]))
        #expect(try await metadata.claimIdempotencyKey("k2", fingerprint: "f-k2") == .claimed)
        try await metadata.releaseIdempotencyKey("k2")
        #expect(try await metadata.claimIdempotencyKey("k2", fingerprint: "f-k2") == .claimed, "a released key can be used again")
        try await metadata.releaseIdempotencyKey("k1")
        #expect(try await metadata.claimIdempotencyKey("k1", fingerprint: "f-k1") == .completed(["a", "b"]), "a completed key is never released")
        #expect(try await metadata.claimIdempotencyKey("k1", fingerprint: "other") == .mismatch, "a key reused for another request")
        #expect(try await metadata.claimIdempotencyKey("k2", fingerprint: "other") == .mismatch, "a key in progress reused for another request")
    }
}

@Suite(.timeLimit(.minutes(10))) struct JobQueueConformance {
    @Test(arguments: Stores.all)
    func aLeasedJobIsInvisibleUntilItsLeaseExpires(_ stores: Stores.Combination) async throws {
        let (_, queue) = try await stores()
        try await queue.enqueue(Job(imageID: "a", recipe: "default", generation: 1))
        // A lease no loaded machine can outlive between two calls; then it is cut to one second
        // (SQS counts whole seconds) and left to lapse. A slow machine only waits longer.
        let first = try #require(try await queue.lease(for: .seconds(600)))
        #expect(first.attempts == 1)
        #expect(try await queue.lease(for: .seconds(1)) == nil, "leased jobs are invisible")
        #expect(try await queue.extendLease(first, by: .seconds(1)))
        try await Task.sleep(for: .milliseconds(1500))
        let second = try #require(try await queue.lease(for: .seconds(30)), "an expired lease comes back, as after a crash")
        #expect(second.attempts == 2 && second.job == first.job)
        try await queue.acknowledge(first)
        // SQL queues refuse a stale holder. SQS may honour an old receipt handle; that is safe
        // because a worker only acknowledges after the job's conditional write, so the job is
        // done either way.
        if !(queue is SQSJobQueue) { #expect(try await queue.depth() == 1, "the stale holder cannot remove it") }
        try await queue.acknowledge(second)
        #expect(try await queue.depth() == 0)
    }

    @Test(arguments: Stores.all)
    func aHeartbeatKeepsTheLeaseAndALostLeaseSaysSo(_ stores: Stores.Combination) async throws {
        let (_, queue) = try await stores()
        try await queue.enqueue(Job(imageID: "h", recipe: "default", generation: 1))
        // Nobody else leases in this test, so a slow extend still finds its lease; the extended
        // lease outlasts any machine's delay.
        let lease = try #require(try await queue.lease(for: .seconds(2)))
        #expect(try await queue.extendLease(lease, by: .seconds(600)))
        try await Task.sleep(for: .milliseconds(2500))
        #expect(try await queue.lease(for: .seconds(30)) == nil, "the extended lease still holds the job")
        if !(queue is SQSJobQueue) {
            let stranger = Lease(job: lease.job, token: lease.token.split(separator: ":")[0] + ":not-the-holder", attempts: 1)
            #expect(try await queue.extendLease(stranger, by: .seconds(30)) == false, "only the holder extends")
        }
    }

    @Test(arguments: Stores.all)
    func retryDelaysAndDeadLetterRemoves(_ stores: Stores.Combination) async throws {
        let (_, queue) = try await stores()
        // No clock: a delay no loaded machine can pass between two calls, and a delay of zero
        // for the way back (a test that slept past 3 s failed when the machine was slower).
        try await queue.enqueue(Job(imageID: "b", recipe: "default", generation: 1))
        let delayed = try #require(try await queue.lease(for: .seconds(30)))
        try await queue.retry(delayed, after: .seconds(600))
        #expect(try await queue.lease(for: .seconds(30)) == nil, "not visible before its delay")

        try await queue.enqueue(Job(imageID: "c", recipe: "default", generation: 1))
        let first = try #require(try await queue.lease(for: .seconds(30)))
        #expect(first.job.imageID == "c")
        try await queue.retry(first, after: .zero)
        let again = try #require(try await queue.lease(for: .seconds(30)))
        #expect(again.job.imageID == "c" && again.attempts == 2, "a retried job comes back, its attempts counted")
        try await queue.deadLetter(again, reason: "gave up")
        #expect(try await queue.lease(for: .seconds(30)) == nil, "the dead letter is gone and the delayed job still waits")
    }

    @Test(arguments: Stores.all)
    func concurrentWorkersNeverShareAJob(_ stores: Stores.Combination) async throws {
        let (_, queue) = try await stores()
        for n in 0..<50 { try await queue.enqueue(Job(imageID: "img\(n)", recipe: "default", generation: 1)) }
        // An empty receive does not mean an empty queue on SQS (a busy server may answer one
        // receive with nothing while messages remain), so workers go on until all 50 distinct
        // jobs are taken or a deadline passes.
        let taken = LeasedJobs()
        let deadline = ContinuousClock.now + .seconds(120)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    while await taken.distinct < 50, ContinuousClock.now < deadline {
                        // Leases outlast the test, so a job seen twice is a shared job, not a lapsed lease.
                        if let lease = try await queue.lease(for: .seconds(900)) {
                            await taken.add(lease.job.imageID)
                        } else {
                            try await Task.sleep(for: .milliseconds(20))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let (distinct, shared) = await (taken.distinct, taken.shared)
        #expect(distinct == 50, "every job was leased: \(distinct) of 50")
        if stores.leasesToOneWorker {
            #expect(shared.isEmpty, "jobs leased to two workers at once: \(shared)")
        } else {
            // SQS standard queues deliver at least once (moto's receive is not atomic either);
            // a duplicate is allowed, a storm of them is not.
            #expect(shared.count <= 2, "jobs leased to two workers at once: \(shared)")
        }
        #expect(try await queue.lease(for: .seconds(900)) == nil, "nothing is left")
    }
}

/// The AWS backends join every conformance suite when moto is installed; without it this test
/// is reported as skipped, with the reason, so they are never silently dropped.
@Suite(.timeLimit(.minutes(10))) struct ConformanceCoverage {
    @Test(.enabled(if: MotoServer.available, MotoServer.skipReason))
    func theAWSBackendsRunEveryConformanceSuite() {
        #expect(Stores.all.map(\.name).contains("dynamodb+sqs"))
        #expect(BlobStores.all.map(\.name).contains("s3 (moto)"))
    }

    @Test(.enabled(if: SeaweedServer.available, SeaweedServer.skipReason))
    func seaweedFSRunsTheBlobStoreSuite() {
        #expect(BlobStores.all.map(\.name).contains("s3 (seaweedfs)"))
    }

    @Test(.enabled(if: PostgresServer.available, PostgresServer.skipReason))
    func postgresRunsEveryConformanceSuite() {
        #expect(Stores.all.map(\.name).contains("postgres"))
    }
}

/// How many leases the workers of a test have taken between them.
/// The jobs the workers of a test have leased, and those leased more than once.
actor LeasedJobs {
    private var seen: Set<String> = []
    private(set) var shared: [String] = []
    var distinct: Int { seen.count }
    func add(_ id: String) { if !seen.insert(id).inserted { shared.append(id) } }
}
