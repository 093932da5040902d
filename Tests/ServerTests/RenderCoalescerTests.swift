import Foundation
import TestSupport
import Testing

@testable import OnTheFly

/// Coalescing and cancellation: a waiter that goes away stops waiting at once, the others
/// still get the value, and the work is cancelled only when nobody waits.
@Suite(.timeLimit(.minutes(10))) struct RenderCoalescerTests {
    actor Probe {
        var started = 0
        var cancelled = false
        func start() { started += 1 }
        func cancel() { cancelled = true }
    }

    /// Holds the work until the test lets it go.
    actor Gate {
        private var open = false
        private var waiters: [CheckedContinuation<Void, Never>] = []
        func wait() async {
            if !open { await withCheckedContinuation { waiters.append($0) } }
        }
        func release() {
            open = true
            for waiter in waiters { waiter.resume() }
            waiters = []
        }
    }

    @Test func aCancelledWaiterLeavesAndTheOthersStillGetTheValue() async throws {
        let coalescer = RenderCoalescer<Int>()
        let probe = Probe()
        let gate = Gate()
        let work: @Sendable () async throws -> Int = {
            await probe.start()
            await gate.wait()
            return 42
        }
        let joined = Probe()
        let impatient = Task { try await coalescer.value(for: "k", work: work) }
        try await eventually("the work to start") { await probe.started > 0 }
        let patient = Task { try await coalescer.value(for: "k", onJoin: { Task { await joined.start() } }, work: work) }
        try await eventually("the second caller to join") { await joined.started > 0 }
        impatient.cancel()
        // The cancelled waiter is answered while the work is still held.
        await #expect(throws: CancellationError.self) { try await impatient.value }
        await gate.release()
        let (value, wasJoined) = try await patient.value
        #expect(value == 42 && wasJoined)
        #expect(await probe.started == 1)
    }

    @Test func whenEveryWaiterLeavesTheWorkIsCancelled() async throws {
        let coalescer = RenderCoalescer<Int>()
        let probe = Probe()
        let work: @Sendable () async throws -> Int = {
            do {
                try await Task.sleep(for: .seconds(600))
            } catch {
                await probe.cancel()
                throw error
            }
            return 1
        }
        let waiters = (0..<3).map { _ in Task { try await coalescer.value(for: "k", work: work) } }
        try await Task.sleep(for: .milliseconds(50))
        let clock = ContinuousClock()
        let started = clock.now
        for waiter in waiters { waiter.cancel() }
        for waiter in waiters { _ = try? await waiter.value }
        // The work would take 600 s: waiters that left at once are answered long before it, even
        // when a loaded machine keeps the cooperative pool busy for a while.
        #expect(clock.now - started < .seconds(120))
        try await eventually("the abandoned work to be cancelled") { await probe.cancelled }
        // A new request after that starts a new flight.
        let fresh = try await coalescer.value(for: "k") { 7 }
        #expect(fresh.value == 7 && !fresh.joined)
    }
}
