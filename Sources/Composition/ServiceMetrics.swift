import Foundation
import Pipeline

/// Counters and histograms for `/metrics`, in the Prometheus text format: jobs (from the
/// workers of this process), uploads and HTTP requests.
///
/// `@unchecked Sendable`: every field is only touched with `lock` held.
public final class ServiceMetrics: WorkerObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var jobs: [JobOutcome: Int] = [:]
    private var uploads = 0
    private var requests: [String: Int] = [:]
    private let jobBuckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    private var jobHistogram: Histogram
    private let requestBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5]
    private var requestHistogram: Histogram

    struct Histogram {
        var counts: [Int]
        var sum = 0.0
        var total = 0
        init(buckets: Int) { counts = Array(repeating: 0, count: buckets) }
    }

    public init() {
        jobHistogram = Histogram(buckets: jobBuckets.count)
        requestHistogram = Histogram(buckets: requestBuckets.count)
    }

    public func jobFinished(outcome: JobOutcome, duration: Duration) {
        let seconds = duration.seconds
        lock.withLock {
            jobs[outcome, default: 0] += 1
            if outcome == .completed || outcome == .failed { Self.observe(seconds, in: &jobHistogram, buckets: jobBuckets) }
        }
    }

    public func uploaded(_ count: Int) {
        lock.withLock { uploads += count }
    }

    public func requestFinished(method: String, status: Int, duration: Duration) {
        let seconds = duration.seconds
        lock.withLock {
            requests["method=\"\(method)\",status=\"\(status)\"", default: 0] += 1
            Self.observe(seconds, in: &requestHistogram, buckets: requestBuckets)
        }
    }

    public func render(queueDepth: Int) -> String {
        lock.withLock {
            var out = "# HELP darkroom_jobs_total Jobs finished by workers, by outcome.\n# TYPE darkroom_jobs_total counter\n"
            for outcome in JobOutcome.allCases { out += "darkroom_jobs_total{outcome=\"\(outcome.rawValue)\"} \(jobs[outcome, default: 0])\n" }
            out += "# HELP darkroom_uploads_total Images accepted for processing.\n# TYPE darkroom_uploads_total counter\n"
            out += "darkroom_uploads_total \(uploads)\n"
            out += "# HELP darkroom_queue_depth Jobs waiting or being processed.\n# TYPE darkroom_queue_depth gauge\n"
            out += "darkroom_queue_depth \(queueDepth)\n"
            out += Self.render("darkroom_job_duration_seconds", "Time from lease to result for finished jobs.", jobHistogram, jobBuckets)
            out += "# HELP darkroom_http_requests_total HTTP requests by method and status.\n# TYPE darkroom_http_requests_total counter\n"
            for (labels, count) in requests.sorted(by: { $0.key < $1.key }) { out += "darkroom_http_requests_total{\(labels)} \(count)\n" }
            out += Self.render("darkroom_http_request_duration_seconds", "HTTP request latency.", requestHistogram, requestBuckets)
            return out
        }
    }

    private static func observe(_ value: Double, in histogram: inout Histogram, buckets: [Double]) {
        for (index, bound) in buckets.enumerated() where value <= bound { histogram.counts[index] += 1 }
        histogram.sum += value
        histogram.total += 1
    }

    private static func render(_ name: String, _ help: String, _ histogram: Histogram, _ buckets: [Double]) -> String {
        var out = "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        for (index, bound) in buckets.enumerated() { out += "\(name)_bucket{le=\"\(bound)\"} \(histogram.counts[index])\n" }
        out += "\(name)_bucket{le=\"+Inf\"} \(histogram.total)\n\(name)_sum \(histogram.sum)\n\(name)_count \(histogram.total)\n"
        return out
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
