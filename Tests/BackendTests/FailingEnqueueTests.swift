import Foundation
import Testing

@testable import Pipeline
@testable import SQLiteBackend

/// A queue that is down: every enqueue fails, as an SQS outage would.
struct UnreachableQueue: JobQueue {
    struct Down: Error {}
    func enqueue(_ job: Job) async throws { throw Down() }
    func lease(for visibility: Duration) async throws -> Lease? { nil }
    func acknowledge(_ lease: Lease) async throws {}
    func retry(_ lease: Lease, after delay: Duration) async throws {}
    func deadLetter(_ lease: Lease, reason: String) async throws {}
    func depth() async throws -> Int { 0 }
}

/// A record's job on a queue elsewhere (SQLite or DynamoDB records, an SQS queue that is down):
/// a job that cannot be queued never leaves a PENDING record without a job behind. The SQLite
/// fallback once lost this compensation on reprocess.
@Suite(.timeLimit(.minutes(10))) struct FailingEnqueueTests {
    @Test(arguments: Stores.all)
    func everyMetadataStoreWithAnUnreachableQueueLeavesNothingPendingForever(_ stores: Stores.Combination) async throws {
        let (metadata, _) = try await stores()
        let committer = RecordCommitter.separate(metadata: metadata, queue: UnreachableQueue())
        let record = Stores.record()
        await #expect(throws: UnreachableQueue.Down.self) {
            try await committer.insert(record, job: Job(imageID: record.id, recipe: "default", generation: 1))
        }
        #expect(try await metadata.record(id: record.id) == nil, "the record is removed when its job cannot be queued")

        try await metadata.insert(record)
        await #expect(throws: UnreachableQueue.Down.self) { try await committer.restart(id: record.id, recipe: "grayscale") }
        let after = try #require(try await metadata.record(id: record.id))
        #expect(after.status == .failed && after.error == "The job could not be queued.", "not PENDING forever: \(after.status)")
    }
}
