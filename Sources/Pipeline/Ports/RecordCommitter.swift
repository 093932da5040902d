/// Declared by a store that keeps the job queue in its own database: a new record (or a new
/// generation) and its job commit in one transaction. SQLite declares it; PostgreSQL will.
public protocol TransactionalRecordsAndJobs: MetadataStore, JobQueue {
    /// Inserts a PENDING record and its job in one transaction.
    func insertCommitting(_ record: ImageRecord, job: Job) async throws
    /// `restart`, and the new generation's job, in one transaction.
    func restartCommitting(id: String, recipe: String) async throws -> ImageRecord?
}

/// How a new record or generation and its job are committed, so that neither exists without the
/// other. The composition root chooses: `together` when the metadata store keeps the queue
/// (it says so by conforming to `TransactionalRecordsAndJobs`), `separate` otherwise, in two
/// steps with a compensation when the second fails. Nothing decides this by downcasting.
public struct RecordCommitter: Sendable {
    private enum Mode: Sendable {
        case together(any TransactionalRecordsAndJobs)
        case separate(any MetadataStore, any JobQueue)
    }

    private let mode: Mode

    /// One transaction, in a store that keeps its own queue.
    public static func together(_ store: any TransactionalRecordsAndJobs) -> RecordCommitter {
        RecordCommitter(mode: .together(store))
    }

    /// Two steps: the record, then the job, undoing the record if the job cannot be queued.
    public static func separate(metadata: any MetadataStore, queue: any JobQueue) -> RecordCommitter {
        RecordCommitter(mode: .separate(metadata, queue))
    }

    /// Where the jobs go.
    public var queue: any JobQueue {
        switch mode {
        case .together(let store): store
        case .separate(_, let queue): queue
        }
    }

    /// A new PENDING record and its job. A job that cannot be queued leaves no record.
    public func insert(_ record: ImageRecord, job: Job) async throws {
        switch mode {
        case .together(let store):
            try await store.insertCommitting(record, job: job)
        case .separate(let metadata, let queue):
            try await metadata.insert(record)
            do {
                try await queue.enqueue(job)
            } catch {
                _ = try? await metadata.delete(id: record.id)
                throw error
            }
        }
    }

    /// A new generation at PENDING with `recipe`, and its job; nil when there is no such record.
    /// A job that cannot be queued fails the new generation instead of leaving it PENDING forever.
    public func restart(id: String, recipe: String) async throws -> ImageRecord? {
        switch mode {
        case .together(let store):
            return try await store.restartCommitting(id: id, recipe: recipe)
        case .separate(let metadata, let queue):
            guard let record = try await metadata.restart(id: id, recipe: recipe) else { return nil }
            do {
                try await queue.enqueue(Job(imageID: id, recipe: recipe, generation: record.generation))
            } catch {
                _ = try? await metadata.fail(id: id, generation: record.generation, error: "The job could not be queued.")
                throw error
            }
            return record
        }
    }
}
