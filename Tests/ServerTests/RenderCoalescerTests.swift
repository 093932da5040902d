import Foundation
import Testing

@testable import Composition

/// Coalescing and cancellation: a waiter that goes away stops waiting at once, the others
/// still get the value, and the work is cancelled only when nobody waits.
@Suite struct RenderCoalescerTests {
    actor Probe {
        var started = 0
        var cancelled = false
        func start() { started += 1 }
        func cancel() { cancelled = true }
    }

    @Test func aCancelledWaiterLeavesAndTheOthersStillGetTheValue() async throws {
        let coalescer = RenderCoalescer<Int>()
        let probe = Probe()
        let work: @Sendable () async throws -> Int = {
            await probe.start()
            try await Task.sleep(for: .milliseconds(300))
            return 42
        }
        let impatient = Task { try await coalescer.value(for: "k", work: work) }
        let patient = Task { try await coalescer.value(for: "k", work: work) }
        try await Task.sleep(for: .milliseconds(50))
        impatient.cancel()
        await #expect(throws: CancellationError.self) { try await impatient.value }
        let (value, _) = try await patient.value
        #expect(value == 42)
        #expect(await probe.started == 1)
    }

    @Test func whenEveryWaiterLeavesTheWorkIsCancelled() async throws {
        let coalescer = RenderCoalescer<Int>()
        let probe = Probe()
        let work: @Sendable () async throws -> Int = {
            do {
                try await Task.sleep(for: .seconds(30))
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
        #expect(clock.now - started < .seconds(10))
        while await !probe.cancelled { try await Task.sleep(for: .milliseconds(10)) }
        // A new request after that starts a new flight.
        let fresh = try await coalescer.value(for: "k") { 7 }
        #expect(fresh.value == 7 && !fresh.joined)
    }
}
