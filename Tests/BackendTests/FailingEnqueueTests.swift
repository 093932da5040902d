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

/// SQLite records with a queue elsewhere: a job that cannot be queued never leaves a PENDING
/// record without a job behind (the fallback once lost this compensation on reprocess).
@Suite struct FailingEnqueueTests {
    @Test func sqliteRecordsWithAnUnreachableQueueLeaveNothingPendingForever() async throws {
        let store = try await SQLiteStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("fe-\(UUID().uuidString).sqlite").path)
        let record = ImageRecord(
            id: ImageID.generate(), filename: "a.jpg", recipe: "default", contentType: "image/jpeg", bytes: 1, sha256: "", originalKey: "k")
        await #expect(throws: UnreachableQueue.Down.self) {
            try await store.insert(record, enqueuing: Job(imageID: record.id, recipe: "default", generation: 1), into: UnreachableQueue())
        }
        #expect(try await store.record(id: record.id) == nil, "the record is removed when its job cannot be queued")

        try await store.insert(record)
        await #expect(throws: UnreachableQueue.Down.self) {
            try await store.restart(id: record.id, recipe: "grayscale", enqueuingInto: UnreachableQueue())
        }
        let after = try #require(try await store.record(id: record.id))
        #expect(after.status == .failed && after.error == "The job could not be queued.", "not PENDING forever: \(after.status)")
    }
}
