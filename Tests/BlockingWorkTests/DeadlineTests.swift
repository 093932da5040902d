import Foundation
import Synchronization
import TestSupport
import Testing

@testable import BlockingWork

struct Expired: Error {}

/// A wait that cancellation does not reach, like a query written to a connection that died:
/// only `open()` ends it.
final class DeafWait: Sendable {
    private let waiter = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let opened = Mutex(false)

    func wait() async {
        await withCheckedContinuation { continuation in
            let now = opened.withLock { $0 }
            if now { continuation.resume() } else { waiter.withLock { $0 = continuation } }
        }
    }

    func open() {
        opened.withLock { $0 = true }
        waiter.withLock { waiter in
            waiter?.resume()
            waiter = nil
        }
    }
}

@Suite(.timeLimit(.minutes(10))) struct DeadlineTests {
    @Test func aResultBeforeTheDeadlineIsReturned() async throws {
        let value = try await withDeadline(.seconds(5), orThrow: Expired()) { 42 }
        #expect(value == 42)
        await #expect(throws: Expired.self) {
            try await withDeadline(.seconds(5), orThrow: Expired()) { () async throws -> Int in throw Expired() }
        }
    }

    /// The bug a task group has: work deaf to cancellation held the caller for ever. Here the
    /// caller gets the deadline's error while the work still waits.
    @Test func workThatIgnoresCancellationCannotHoldTheCallerPastTheDeadline() async throws {
        let deaf = DeafWait()
        let finished = Mutex(false)
        await #expect(throws: Expired.self) {
            try await withDeadline(.milliseconds(100), orThrow: Expired()) {
                await deaf.wait()
                finished.withLock { $0 = true }
                return 1
            }
        }
        #expect(finished.withLock { $0 } == false, "the caller went on while the work was still stuck")
        deaf.open()
    }

    @Test func cancellingTheCallerCancelsTheWork() async throws {
        let sawCancellation = Mutex(false)
        let caller = Task {
            try await withDeadline(.seconds(60), orThrow: Expired()) {
                do {
                    try await Task.sleep(for: .seconds(60))
                } catch {
                    sawCancellation.withLock { $0 = true }
                    throw error
                }
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        try await eventually("the work to see its cancellation") { sawCancellation.withLock { $0 } }
    }
}
