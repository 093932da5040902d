import Foundation
import Testing

@testable import Imaging

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

@Suite struct BlockingPoolTests {
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

    @Test func errorsComeBackToTheCaller() async throws {
        let pool = BlockingPool(threads: 1)
        let result: Result<Int, Error> = await Result(catching: { try await pool.run { () throws -> Int in throw ImagingError.emptyInput } })
        #expect(throws: ImagingError.emptyInput) { try result.get() }
    }
}

extension Result where Failure == Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

@Suite struct BlockingPoolLifetimeTests {
    @Test func releasingAPoolLetsItsThreadsExitSafely() async throws {
        for _ in 0..<20 {
            let pool = BlockingPool(threads: 2)
            #expect(try await pool.run { 21 * 2 } == 42)
        }
        // The released pools' threads wake, find no work and return; nothing reads freed memory.
        try await Task.sleep(for: .milliseconds(100))
    }
}
