import Foundation

/// A fixed set of threads for blocking work such as libvips calls, which must never run on
/// Swift's cooperative pool. `run` suspends the caller until a pool thread has done the work.
///
/// `@unchecked Sendable`: the queue is only touched with `condition` locked, and the threads
/// are started once in `init`.
public final class BlockingPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [() -> Void] = []
    public let threadCount: Int

    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        threadCount = max(1, threads)
        for index in 0..<threadCount {
            let thread = Thread { [unowned self] in self.workLoop() }
            thread.name = "darkroom-vips-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Runs `work` on a pool thread and returns its result.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            enqueue {
                continuation.resume(with: Result { try work() })
            }
        }
    }

    private func enqueue(_ job: @escaping () -> Void) {
        condition.lock()
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    private func workLoop() {
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let job = queue.removeFirst()
            condition.unlock()
            job()
        }
    }
}
