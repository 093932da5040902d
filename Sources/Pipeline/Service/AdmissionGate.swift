/// Atomic admission against the queue limit: the depth is read and the new jobs reserved in one
/// step, so parallel uploads and reprocess requests cannot all see room for themselves.
///
/// The count is the queue's depth plus the jobs admitted in this process and not yet enqueued.
/// Several API processes each keep their own reservations, so together they may overshoot by
/// the uploads in flight at that instant; within one process the limit is exact.
public actor AdmissionGate {
    public let maxDepth: Int
    private var reserved = 0
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(maxDepth: Int) {
        self.maxDepth = maxDepth
    }

    /// Reserves room for `count` jobs, or throws `queueFull`. Call `release` once the jobs are
    /// enqueued or abandoned.
    public func admit(_ count: Int, queue: any JobQueue) async throws {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
        }
        let depth = try await queue.depth() + reserved
        guard depth + count <= maxDepth else { throw IngestError.queueFull(depth: depth) }
        reserved += count
    }

    public func release(_ count: Int) {
        reserved -= count
    }
}
