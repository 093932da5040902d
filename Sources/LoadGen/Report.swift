import Foundation

/// What a run prints: the summary, `--json`, and `--report FILE.html`.
public struct RunReport: Sendable {
    public var target: String
    public var shape: String
    public var stats: LoadStats
    public var elapsed: Duration
    /// True when completion was watched, so `complete` latencies and completions mean something.
    public var tracksCompletion: Bool
    public var ramp: [Ramp.Step] = []
    public var knee: Double?
    public var interrupted = false

    public init(target: String, shape: String, stats: LoadStats, elapsed: Duration, tracksCompletion: Bool) {
        self.target = target
        self.shape = shape
        self.stats = stats
        self.elapsed = elapsed
        self.tracksCompletion = tracksCompletion
    }

    var seconds: Double { max(0.001, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) }

    /// Requests per second for a GET run; finished images per second otherwise.
    public var throughput: Double {
        tracksCompletion ? Double(stats.completed + stats.failed) / seconds : Double(stats.accepted) / seconds
    }

    struct JSONShape: Encodable {
        struct Latency: Encodable {
            var accept: Percentiles
            var complete: Percentiles?
        }
        var target: String
        var shape: String
        var requests: Int
        var accepted: Int
        var completed: Int
        var failed: Int
        var errors: Int
        var errorsByKind: [String: Int]
        var throughput: Double
        var durationSeconds: Double
        var latencyMilliseconds: Latency
        var ramp: [Ramp.Step]?
        var knee: Double?
        var interrupted: Bool

        enum CodingKeys: String, CodingKey {
            case target, shape, requests, accepted, completed, failed, errors, throughput, ramp, knee, interrupted
            case errorsByKind = "errors_by_kind"
            case durationSeconds = "duration_s"
            case latencyMilliseconds = "latency_ms"
        }
    }

    public var json: String {
        let shape = JSONShape(
            target: target, shape: shape, requests: stats.requests, accepted: stats.accepted, completed: stats.completed, failed: stats.failed,
            errors: stats.errorCount, errorsByKind: stats.errors, throughput: (throughput * 100).rounded() / 100,
            durationSeconds: (seconds * 100).rounded() / 100,
            latencyMilliseconds: .init(accept: stats.acceptPercentiles, complete: tracksCompletion ? stats.completePercentiles : nil),
            ramp: ramp.isEmpty ? nil : ramp, knee: knee, interrupted: interrupted)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(shape)) ?? Data(), as: UTF8.self)
    }

    public var summary: String {
        var lines: [String] = []
        lines.append("\(target), \(shape), \(String(format: "%.1f", seconds)) s\(interrupted ? " (interrupted)" : "")")
        lines.append(
            "requests \(stats.requests), answered \(stats.accepted)"
                + (tracksCompletion ? ", completed \(stats.completed), failed \(stats.failed)" : "")
                + ", errors \(stats.errorCount)")
        if !stats.errors.isEmpty {
            lines.append("errors by kind: " + stats.errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        lines.append(String(format: tracksCompletion ? "throughput %.2f images/s" : "throughput %.1f requests/s", throughput))
        lines.append("latency (ms)            p50       p90       p99     p99.9       max")
        func row(_ name: String, _ p: Percentiles) -> String {
            name.padding(toLength: 18, withPad: " ", startingAt: 0)
                + [p.p50, p.p90, p.p99, p.p999, p.max].map { String(format: "%10.1f", $0) }.joined()
        }
        lines.append(row(tracksCompletion ? "upload accepted" : "request", stats.acceptPercentiles))
        if tracksCompletion { lines.append(row("upload→COMPLETED", stats.completePercentiles)) }
        if !ramp.isEmpty {
            lines.append("ramp: rate/s  done/s   p99 ms  errors")
            for step in ramp {
                // Numbers through `format`, text and integers by interpolation: `%@` and `%d` with
                // Swift values are not portable.
                let numbers = String(format: "      %6.1f  %6.2f  %7.0f", step.rate, step.throughput, step.p99Milliseconds)
                let errors = String(step.errors)
                lines.append(numbers + String(repeating: " ", count: max(2, 8 - errors.count)) + errors + (step.withinThreshold ? "" : "  over"))
            }
            lines.append(knee.map { String(format: "knee: %.1f images/s", $0) } ?? "knee: not reached (even the first step was over the threshold)")
        }
        return lines.joined(separator: "\n")
    }

    /// A self-contained HTML page: throughput and p99 latency per second, as inline SVG.
    public var html: String {
        let timeline = stats.timeline
        let width = 760.0
        let height = 220.0
        func chart(title: String, unit: String, series: [(name: String, color: String, values: [Double?])]) -> String {
            let all = series.flatMap { $0.values.compactMap { $0 } }
            let top = max(1, (all.max() ?? 1) * 1.1)
            let n = max(1, timeline.count - 1)
            var svg = "<h2>\(title)</h2><svg xmlns='http://www.w3.org/2000/svg' width='\(Int(width) + 60)' height='\(Int(height) + 40)'>"
            svg += "<g transform='translate(50,10)'><rect width='\(width)' height='\(height)' fill='#fafafa' stroke='#ccc'/>"
            for tick in 0...4 {
                let y = height - height * Double(tick) / 4
                svg += "<line x1='0' x2='\(width)' y1='\(y)' y2='\(y)' stroke='#eee'/>"
                svg += "<text x='-6' y='\(y + 4)' font-size='10' text-anchor='end'>\(String(format: "%.0f", top * Double(tick) / 4))</text>"
            }
            svg += "<text x='\(width / 2)' y='\(height + 28)' font-size='11' text-anchor='middle'>seconds (0–\(timeline.count)) · \(unit)</text>"
            for (index, s) in series.enumerated() {
                let points = s.values.enumerated().compactMap { i, v in
                    v.map { String(format: "%.1f,%.1f", width * Double(i) / Double(n), height - height * $0 / top) }
                }
                svg += "<polyline fill='none' stroke='\(s.color)' stroke-width='2' points='\(points.joined(separator: " "))'/>"
                svg += "<text x='\(10 + index * 170)' y='14' font-size='12' fill='\(s.color)'>\(s.name)</text>"
            }
            return svg + "</g></svg>"
        }
        let throughputSeries: [(String, String, [Double?])] =
            tracksCompletion
            ? [
                ("sent/s", "#888", timeline.map { Double($0.sent) }), ("accepted/s", "#1f77b4", timeline.map { Double($0.accepted) }),
                ("completed/s", "#2ca02c", timeline.map { Double($0.completed) }), ("errors/s", "#d62728", timeline.map { Double($0.errors) }),
            ]
            : [("requests/s", "#1f77b4", timeline.map { Double($0.accepted) }), ("errors/s", "#d62728", timeline.map { Double($0.errors) })]
        var latencySeries: [(String, String, [Double?])] = [("p99 accept", "#1f77b4", timeline.map(\.acceptP99Milliseconds))]
        if tracksCompletion { latencySeries.append(("p99 upload→COMPLETED", "#2ca02c", timeline.map(\.completeP99Milliseconds))) }
        let summaryText = summary.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        return """
            <!doctype html><html><head><meta charset="utf-8"><title>darkroom loadgen: \(target)</title>
            <style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}pre{background:#f4f4f4;padding:12px}</style></head><body>
            <h1>darkroom loadgen</h1><pre>\(summaryText)</pre>
            \(chart(title: "Throughput", unit: "per second", series: throughputSeries.map { (name: $0.0, color: $0.1, values: $0.2) }))
            \(chart(title: "Latency", unit: "p99 in ms, by the second requests were answered or finished", series: latencySeries.map { (name: $0.0, color: $0.1, values: $0.2) }))
            </body></html>
            """
    }
}
