import Foundation
import Histogram

/// Latency percentiles in milliseconds, as the summary and `--json` report them.
public struct Percentiles: Codable, Sendable, Equatable {
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    public var count: Int
}

/// Everything one run measured: counts, errors by kind, two latency histograms (in
/// microseconds, HdrHistogram with three significant digits), and a per-second timeline for the
/// report. Latencies start at a request's *intended* start time, so an open-loop run is corrected
/// for coordinated omission: a stall makes every request scheduled during it late, and all of
/// that lateness is counted, as wrk2 and k6 count it.
public struct LoadStats: Sendable {
    public private(set) var requests = 0
    public private(set) var accepted = 0
    public private(set) var completed = 0
    public private(set) var failed = 0
    public private(set) var errors: [String: Int] = [:]
    var accept = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    var complete = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    /// Per elapsed second: requests sent, accepted, completed, and that second's accept and
    /// completion latency histograms (for p99 over time).
    public private(set) var timeline: [Second] = []

    public struct Second: Sendable {
        public var sent = 0
        public var accepted = 0
        public var completed = 0
        public var errors = 0
        var acceptLatency = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .two)
        var completeLatency = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .two)

        public var acceptP99Milliseconds: Double? { acceptLatency.totalCount == 0 ? nil : Double(acceptLatency.valueAtPercentile(99)) / 1000 }
        public var completeP99Milliseconds: Double? {
            completeLatency.totalCount == 0 ? nil : Double(completeLatency.valueAtPercentile(99)) / 1000
        }
    }

    public init() {}

    private mutating func second(_ elapsed: Duration) -> Int {
        let index = Swift.max(0, Int(elapsed.components.seconds))
        while timeline.count <= index { timeline.append(Second()) }
        return index
    }

    mutating func sent(at elapsed: Duration) {
        requests += 1
        timeline[second(elapsed)].sent += 1
    }

    mutating func accepted(latency: Duration, at elapsed: Duration) {
        accepted += 1
        let micros = Self.micros(latency)
        _ = accept.record(micros)
        let index = second(elapsed)
        timeline[index].accepted += 1
        _ = timeline[index].acceptLatency.record(micros)
    }

    mutating func finished(latency: Duration, at elapsed: Duration, failed isFailure: Bool) {
        if isFailure {
            failed += 1
            errors["image_failed", default: 0] += 1
        } else {
            completed += 1
        }
        let micros = Self.micros(latency)
        _ = complete.record(micros)
        let index = second(elapsed)
        timeline[index].completed += 1
        _ = timeline[index].completeLatency.record(micros)
    }

    mutating func error(_ kind: String, at elapsed: Duration) {
        errors[kind, default: 0] += 1
        timeline[second(elapsed)].errors += 1
    }

    static func micros(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(Swift.max(0, seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
    }

    public var acceptPercentiles: Percentiles { Self.percentiles(accept) }
    public var completePercentiles: Percentiles { Self.percentiles(complete) }

    static func percentiles(_ h: Histogram<UInt64>) -> Percentiles {
        guard h.totalCount > 0 else { return Percentiles(p50: 0, p90: 0, p99: 0, p999: 0, max: 0, count: 0) }
        func ms(_ p: Double) -> Double { (Double(h.valueAtPercentile(p)) / 1000 * 100).rounded() / 100 }
        return Percentiles(
            p50: ms(50), p90: ms(90), p99: ms(99), p999: ms(99.9), max: (Double(h.max) / 1000 * 100).rounded() / 100, count: Int(h.totalCount))
    }

    public var errorCount: Int { errors.values.reduce(0, +) }
}
