import Foundation
import TestSupport
import Testing

@testable import BlockingWork

/// Counts how many pieces of work run at once.
///
/// `@unchecked Sendable`: its state is only touched under `lock`.
final class ConcurrencyGauge: @unchecked Sendable {
    private let lock = NSLock()
    private var now = 0
    private(set) var peak = 0

    func enter() {
        lock.withLock {
            now += 1
            peak = max(peak, now)
        }
    }
    func leave() { lock.withLock { now -= 1 } }
}

@Suite(.timeLimit(.minutes(10))) struct BlockingPoolTests {
    @Test func workRunsOnPoolThreadsAndNoMoreAtOnceThanThePoolHas() async throws {
        let pool = BlockingPool(threads: 2)
        let gauge = ConcurrencyGauge()
        var threads: [UInt] = []
        try await withThrowingTaskGroup(of: UInt.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await pool.run {
                        gauge.enter()
                        Thread.sleep(forTimeInterval: 0.02)
                        gauge.leave()
                        return UInt(pthread_self())
                    }
                }
            }
            for try await thread in group { threads.append(thread) }
        }
        #expect(threads.count == 8)
        #expect(Set(threads).count <= 2, "work ran on more threads than the pool has")
        #expect(gauge.peak <= 2)
    }

    struct Refusal: Error, Equatable {}

    @Test func errorsComeBackToTheCaller() async throws {
        let pool = BlockingPool(threads: 1)
        let result: Result<Int, Error> = await Result(catching: { try await pool.run { () throws -> Int in throw Refusal() } })
        #expect(throws: Refusal()) { try result.get() }
    }

    /// Holds the pool's only thread until released.
    final class Gate: @unchecked Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var entered = false
        var isHolding: Bool { lock.withLock { entered } }
        func hold() {
            lock.withLock { entered = true }
            semaphore.wait()
        }
        func release() { semaphore.signal() }
    }

    @Test func workCancelledWhileWaitingNeverRunsAndItsCallerHearsAtOnce() async throws {
        let pool = BlockingPool(threads: 1)
        let gate = Gate()
        let ran = ConcurrencyGauge()
        let blocker = Task { try await pool.run { gate.hold() } }
        try await eventually("the blocker to hold the thread") { gate.isHolding }
        let waiting = Task { try await pool.run { ran.enter() } }
        try await eventually("the second caller to queue") { pool.waiting > 0 }
        waiting.cancel()
        // The cancelled caller is answered while the thread is still held.
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(pool.waiting == 0, "the cancelled work left the queue")
        gate.release()
        try await blocker.value
        #expect(try await pool.run { 7 } == 7)
        #expect(ran.peak == 0, "cancelled work never ran")
    }

    @Test func aFullQueueRefusesAtOnceInsteadOfWaiting() async throws {
        let pool = BlockingPool(threads: 1, maxWaiting: 2)
        let gate = Gate()
        let blocker = Task { try await pool.run { gate.hold() } }
        try await eventually("the blocker to hold the thread") { gate.isHolding }
        let queued = (0..<2).map { index in Task { try await pool.run { index } } }
        try await eventually("two callers to queue") { pool.waiting >= 2 }
        await #expect(throws: BlockingPoolBusy.self) { try await pool.run { 3 } }
        gate.release()
        try await blocker.value
        #expect(try await queued[0].value == 0)
        #expect(try await queued[1].value == 1)
    }
}

extension Result where Failure == Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

@Suite(.timeLimit(.minutes(10))) struct BlockingPoolLifetimeTests {
    @Test func releasingAPoolLetsItsThreadsExitSafely() async throws {
        for _ in 0..<20 {
            let pool = BlockingPool(threads: 2)
            #expect(try await pool.run { 21 * 2 } == 42)
        }
        // The released pools' threads wake, find no work and return; nothing reads freed memory.
        try await Task.sleep(for: .milliseconds(100))
    }
}
