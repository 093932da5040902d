import BlockingWork
import Foundation
import Pipeline

/// `darkroom ingest`: objects that were in a bucket (or a folder) before any notification
/// existed, taken into the pipeline as if each had just been dropped. The same `DropIngestor`
/// rules hold (idempotency on location and version, the recursion guard, `x-amz-meta-image-id`),
/// so a run can be repeated or resumed: what an earlier run recorded is skipped, and
/// `--requeue` queues again what it recorded but never saw finish.
public struct Backfill: Sendable {
    /// How one object ended.
    public enum Outcome: String, Sendable, CaseIterable {
        /// A record was made (or found unfinished) and its job queued.
        case queued
        /// Recorded before, by an earlier run or a notification.
        case skipped
        /// Not taken in: outside the input, in the output, or gone.
        case ignored
        /// Storage or the database failed; a later run tries again.
        case failed
    }

    let drops: DropIngestor
    let metadata: any MetadataStore
    let queue: any JobQueue
    /// Queue again the records an earlier run made that are still unfinished.
    let requeue: Bool

    public init(drops: DropIngestor, metadata: any MetadataStore, queue: any JobQueue, requeue: Bool = false) {
        self.drops = drops
        self.metadata = metadata
        self.queue = queue
        self.requeue = requeue
    }

    public func ingest(_ object: DroppedObject) async -> (Outcome, String?) {
        do {
            switch try await drops.ingest(object) {
            case .ignored(let reason):
                return (.ignored, reason)
            case .busy:
                return (.failed, "another process is taking \(object.location) in")
            case .job(let job):
                try await queue.enqueue(job)
                return (.queued, nil)
            case .existing(let job):
                // Recorded by an earlier run (or by the notification): its job was queued then.
                // Only `requeue` queues an unfinished one again, for a run cut short between
                // the record and its job.
                guard requeue, let record = try await metadata.record(id: job.imageID), record.generation == job.generation,
                    !record.status.isFinal
                else { return (.skipped, nil) }
                try await queue.enqueue(job)
                return (.queued, nil)
            }
        } catch {
            return (.failed, String(describing: error))
        }
    }

    /// Every object, `concurrency` at a time; `progress` hears each one as it ends.
    public func run(_ objects: [DroppedObject], concurrency: Int, progress: @Sendable (DroppedObject, Outcome, String?) -> Void) async
        -> [Outcome: Int]
    {
        var counts: [Outcome: Int] = [:]
        let work: @Sendable (DroppedObject) async -> (Outcome, String?) = { await ingest($0) }
        await concurrently(objects, width: concurrency, work) { object, result in
            counts[result.0, default: 0] += 1
            progress(object, result.0, result.1)
        }
        return counts
    }
}
