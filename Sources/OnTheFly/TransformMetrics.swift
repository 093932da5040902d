import Foundation

/// On-the-fly counters for `/metrics`.
///
/// `@unchecked Sendable`: every field is only touched with `lock` held.
public final class TransformMetrics: @unchecked Sendable {
    public enum Event: String, CaseIterable, Sendable {
        /// A render ran (one per set of coalesced requests).
        case render
        case cacheHit = "cache_hit"
        case cacheMiss = "cache_miss"
        /// A request that joined a render already in flight.
        case coalesced
        /// Refused with 429: the render queue was full.
        case rejected
        case timeout
        case failed
        /// The client went away before its answer was ready.
        case abandoned
    }

    private let lock = NSLock()
    private var counts: [Event: Int] = [:]

    public init() {}

    public func record(_ event: Event) {
        lock.withLock { counts[event, default: 0] += 1 }
    }

    public func count(_ event: Event) -> Int {
        lock.withLock { counts[event, default: 0] }
    }

    /// The Prometheus text of these counters.
    public func render() -> String {
        lock.withLock {
            var out = "# HELP darkroom_transform_events_total On-the-fly requests and renders, by event.\n"
            out += "# TYPE darkroom_transform_events_total counter\n"
            for event in Event.allCases { out += "darkroom_transform_events_total{event=\"\(event.rawValue)\"} \(counts[event, default: 0])\n" }
            return out
        }
    }
}

/// Admission for on-the-fly renders: at most `capacity` renders running or waiting; past it a
/// request is refused at once (429) instead of queueing without bound.
actor RenderGate {
    private let capacity: Int
    private var inside = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    func enter() throws {
        guard inside < capacity else { throw TransformError.busy }
        inside += 1
    }

    func leave() {
        inside -= 1
    }

    /// Runs `body` inside the gate, leaving it however `body` ends.
    nonisolated func admitting<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await enter()
        do {
            let value = try await body()
            await leave()
            return value
        } catch {
            await leave()
            throw error
        }
    }
}
