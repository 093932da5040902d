import Foundation

/// How requests are started.
public enum LoadShape: Sendable, Equatable {
    /// Open loop: request `i` starts at `i / rate` seconds, whether or not earlier ones finished.
    case rate(Double)
    /// Closed loop: this many requests in flight, each starting when the last one ends.
    case concurrency(Int)
}

/// When a run stops sending.
public enum LoadStop: Sendable, Equatable {
    case duration(Duration)
    case count(Int)
}

/// Sends a run's requests and records them. Completion is the watcher's business; `run` only
/// sends and records the answers.
public struct Driver: Sendable {
    public let target: any LoadTarget
    public let recorder: Recorder
    /// In a closed loop, how long a sender waits for its image to finish before it counts it
    /// `not_finished` and moves on; nil when nothing watches completion, so a sender moves on
    /// once its request is answered.
    public let completionTimeout: Duration?

    /// `completionTimeout`: see above. With it, `--concurrency C` keeps C *images* in the
    /// pipeline (upload to COMPLETED), not C requests.
    public init(target: any LoadTarget, recorder: Recorder, completionTimeout: Duration? = nil) {
        self.target = target
        self.recorder = recorder
        self.completionTimeout = completionTimeout
    }

    /// Sends until `stop`, numbering requests from `first`. Returns how many were sent.
    @discardableResult
    public func run(_ shape: LoadShape, until stop: LoadStop, first: Int = 0) async -> Int {
        let clock = ContinuousClock()
        let start = clock.now
        func done(_ sent: Int) -> Bool {
            switch stop {
            case .count(let count): sent >= count
            case .duration(let duration): clock.now - start >= duration
            }
        }
        switch shape {
        case .rate(let rate):
            let interval = Duration.seconds(1 / rate)
            return await withDiscardingTaskGroup { group in
                var sent = 0
                while !Task.isCancelled {
                    let intended = start + interval * sent
                    if case .duration(let duration) = stop, intended - start >= duration { break }
                    if done(sent), case .count = stop { break }
                    // Behind schedule, the next request starts at once: its lateness counts.
                    try? await clock.sleep(until: intended)
                    if Task.isCancelled { break }
                    let index = first + sent
                    group.addTask { await one(index, intended: intended) }
                    sent += 1
                }
                return sent
            }
        case .concurrency(let count):
            let counter = Counter()
            await withDiscardingTaskGroup { group in
                for _ in 0..<count {
                    group.addTask {
                        while !Task.isCancelled {
                            guard let n = counter.next(limit: { done($0) }) else { return }
                            let handle = await one(first + n, intended: clock.now)
                            if let handle, let timeout = completionTimeout { await waitFor(handle, timeout: timeout) }
                        }
                    }
                }
            }
            return counter.value
        }
    }

    /// Sends one request and records its answer; returns the handle to wait on, if any.
    @discardableResult
    private func one(_ index: Int, intended: ContinuousClock.Instant) async -> String? {
        recorder.sent(at: intended)
        do {
            let handle = try await target.send(index)
            recorder.accepted(intended: intended, handle: completionTimeout == nil ? nil : handle)
            return handle
        } catch let failure as RequestFailure {
            recorder.error(failure.kind)
        } catch {
            recorder.error(RequestFailure.from(error).kind)
        }
        return nil
    }

    /// Waits for one image, up to `timeout`.
    private func waitFor(_ handle: String, timeout: Duration) async {
        let recorder = self.recorder
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await recorder.waitUntilFinished(handle) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                recorder.abandon(handle, kind: "not_finished")
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// Waits until no image is pending or `timeout` passes; what is left counts as
    /// `not_finished`.
    public func drain(timeout: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while recorder.outstanding > 0 && clock.now < deadline && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
        }
        recorder.abandonPending("not_finished")
    }
}

/// Hands out request numbers to closed-loop workers until the stop condition says done.
///
/// `@unchecked Sendable`: `value` is only touched with `lock` held.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var value = 0

    func next(limit done: (Int) -> Bool) -> Int? {
        lock.withLock {
            guard !done(value) else { return nil }
            value += 1
            return value - 1
        }
    }
}

/// A stepped ramp of open-loop rates that finds the knee: the highest rate at which the p99 of
/// upload → COMPLETED stays under a threshold with no errors.
public struct Ramp: Sendable, Equatable {
    public var start: Double
    public var step: Double
    public var max: Double
    public var stepDuration: Duration
    public var thresholdMilliseconds: Double

    public init(start: Double, step: Double, max: Double, stepDuration: Duration, thresholdMilliseconds: Double) {
        self.start = start
        self.step = step
        self.max = max
        self.stepDuration = stepDuration
        self.thresholdMilliseconds = thresholdMilliseconds
    }

    /// `START:STEP:MAX`, images per second.
    public static func parse(_ text: String, stepDuration: Duration, threshold: Double) throws -> Ramp {
        let parts = text.split(separator: ":").map { Double($0) }
        guard parts.count == 3, let start = parts[0], let step = parts[1], let max = parts[2], start > 0, step > 0, max >= start else {
            throw LoadError.usage("--ramp", "'\(text)' is not START:STEP:MAX with positive rates and MAX at least START")
        }
        return Ramp(start: start, step: step, max: max, stepDuration: stepDuration, thresholdMilliseconds: threshold)
    }

    public var rates: [Double] {
        stride(from: start, through: max + step / 1000, by: step).map { $0 }
    }

    /// One step's result.
    public struct Step: Codable, Sendable, Equatable {
        public var rate: Double
        public var throughput: Double
        public var p99Milliseconds: Double
        public var errors: Int
        public var withinThreshold: Bool

        public init(rate: Double, throughput: Double, p99Milliseconds: Double, errors: Int, withinThreshold: Bool) {
            self.rate = rate
            self.throughput = throughput
            self.p99Milliseconds = p99Milliseconds
            self.errors = errors
            self.withinThreshold = withinThreshold
        }
    }
}
