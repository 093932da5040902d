import Foundation

/// A fixed set of threads for blocking work such as libvips calls, which must never run on
/// Swift's cooperative pool. `run` suspends the caller until a pool thread has done the work.
/// When the pool is released, its threads finish the queued work and exit.
public final class BlockingPool: Sendable {
    private let state = PoolState()
    public let threadCount: Int

    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        threadCount = max(1, threads)
        for index in 0..<threadCount {
            // Each thread holds the shared state, never the pool, so the pool can go away.
            let thread = Thread { [state] in state.workLoop() }
            thread.name = "darkroom-pool-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    deinit {
        state.shutDown()
    }

    /// Runs `work` on a pool thread and returns its result.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            state.enqueue {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}

/// The queue the pool's threads share.
///
/// `@unchecked Sendable`: `queue` and `isShutDown` are only touched with `condition` locked.
private final class PoolState: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [() -> Void] = []
    private var isShutDown = false

    func enqueue(_ job: @escaping () -> Void) {
        condition.lock()
        queue.append(job)
        condition.signal()
        condition.unlock()
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
            condition.unlock()
            job()
        }
    }
}
