import Foundation

/// A fixed set of threads for blocking work (libvips calls, file and SQLite I/O, hashing),
/// which must never run on Swift's cooperative pool. `run` suspends the caller until a pool
/// thread has done the work.
///
/// - **Bounded.** At most `maxWaiting` pieces of work wait for a thread; past that, `run`
///   throws `BlockingPoolBusy` at once instead of letting latency grow without limit. The
///   caller decides what that means (an upload answers 503).
/// - **Cancellable.** Work whose task is cancelled while it waits is skipped: it never runs,
///   and `run` throws `CancellationError`. Work already running finishes (a libvips call cannot
///   be interrupted) and its result is returned.
/// - When the pool is released, its threads finish the queued work and exit.
///
/// Give each kind of work its own pool, so one kind's backlog never delays another: the
/// service keeps request-time work (upload probes, hashing, body decoding) apart from renders.
public final class BlockingPool: Sendable {
    private let state: PoolState
    public let threadCount: Int
    public let maxWaiting: Int

    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount, maxWaiting: Int = .max, name: String = "darkroom-pool") {
        threadCount = max(1, threads)
        self.maxWaiting = max(0, maxWaiting)
        state = PoolState(maxWaiting: self.maxWaiting)
        for index in 0..<threadCount {
            // Each thread holds the shared state, never the pool, so the pool can go away.
            let thread = Thread { [state] in state.workLoop() }
            thread.name = "\(name)-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    deinit {
        state.shutDown()
    }

    /// How many pieces of work are waiting for a thread now.
    public var waiting: Int { state.waiting }

    /// Runs `work` on a pool thread and returns its result.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try Task.checkCancellation()
        let job = PoolJob()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let admitted = state.submit(job) { cancelled in
                    if cancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        continuation.resume(with: Result { try work() })
                    }
                }
                if !admitted { continuation.resume(throwing: BlockingPoolBusy(waiting: maxWaiting)) }
            }
        } onCancel: {
            state.cancel(job)
        }
    }
}

/// The pool already has `maxWaiting` pieces of work waiting.
public struct BlockingPoolBusy: Error, CustomStringConvertible {
    public var waiting: Int
    public var description: String { "the blocking pool already has \(waiting) pieces of work waiting" }
}

/// One piece of work. `@unchecked Sendable`: its fields are only touched with the pool's
/// condition locked.
private final class PoolJob: @unchecked Sendable {
    var body: ((Bool) -> Void)?
    var cancelled = false
}

/// The queue the pool's threads share.
///
/// `@unchecked Sendable`: `queue` and `isShutDown` are only touched with `condition` locked.
private final class PoolState: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [PoolJob] = []
    private var isShutDown = false
    private let maxWaiting: Int

    init(maxWaiting: Int) {
        self.maxWaiting = maxWaiting
    }

    var waiting: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    /// Queues `job` with its body; false when the queue is full. A job cancelled before it got
    /// here is answered at once as cancelled.
    func submit(_ job: PoolJob, body: @escaping (Bool) -> Void) -> Bool {
        condition.lock()
        if job.cancelled {
            condition.unlock()
            body(true)
            return true
        }
        guard queue.count < maxWaiting else {
            condition.unlock()
            return false
        }
        job.body = body
        queue.append(job)
        condition.signal()
        condition.unlock()
        return true
    }

    /// Takes a waiting job out of the queue and answers it as cancelled; a running or finished
    /// job is left alone.
    func cancel(_ job: PoolJob) {
        condition.lock()
        job.cancelled = true
        guard let index = queue.firstIndex(where: { $0 === job }) else {
            condition.unlock()
            return
        }
        queue.remove(at: index)
        let body = job.body
        job.body = nil
        condition.unlock()
        body?(true)
    }

    func shutDown() {
        condition.lock()
        isShutDown = true
        condition.broadcast()
        condition.unlock()
    }

    func workLoop() {
        while true {
            condition.lock()
            while queue.isEmpty && !isShutDown { condition.wait() }
            if queue.isEmpty {
                condition.unlock()
                return
            }
            let job = queue.removeFirst()
            let body = job.body
            job.body = nil
            condition.unlock()
            body?(false)
        }
    }
}
