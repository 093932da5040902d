import Foundation

/// The run's shared state: the statistics, and the requests waiting for their image to finish.
/// Requests are keyed by a handle (the image id for uploads, the object's file name for S3
/// drops). An event can arrive before the upload's answer does; it waits in `early` until then.
///
/// `@unchecked Sendable`: every field is only touched with `lock` held. A lock, not an actor:
/// a GET run records tens of thousands of requests a second, and a lock costs less than a hop.
public final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var stats = LoadStats()
    /// The same records since `beginStep`, for a ramp's steps; nil outside a ramp.
    private var step: LoadStats?
    private var pending: [String: ContinuousClock.Instant] = [:]
    private var early: [String: (failed: Bool, at: ContinuousClock.Instant)] = [:]
    /// Closed-loop senders waiting for their image to finish.
    private var waiters: [String: CheckedContinuation<Void, Never>] = [:]
    public let start: ContinuousClock.Instant
    /// When the first request was meant to start, and when the last answer or finish came.
    private var first: ContinuousClock.Instant?
    private var last: ContinuousClock.Instant?

    public init(start: ContinuousClock.Instant = ContinuousClock.now) {
        self.start = start
    }

    public var snapshot: LoadStats { lock.withLock { stats } }

    /// From the first request's intended start to the last answer or finish: what throughput
    /// is measured over, without the set-up before or the waiting after.
    public var activeDuration: Duration? {
        lock.withLock { first.flatMap { f in last.map { $0 - f } } }
    }

    private func touch(_ start: ContinuousClock.Instant, _ end: ContinuousClock.Instant) {
        if first.map({ start < $0 }) ?? true { first = start }
        if last.map({ end > $0 }) ?? true { last = end }
    }
    public var stepSnapshot: LoadStats { lock.withLock { step ?? LoadStats() } }

    /// Starts a new step: `stepSnapshot` counts from here.
    public func beginStep() {
        lock.withLock { step = LoadStats() }
    }

    /// Applies a change to the whole run's statistics and the step's.
    private func both(_ change: (inout LoadStats) -> Void) {
        change(&stats)
        if step != nil { change(&step!) }
    }
    public var outstanding: Int { lock.withLock { pending.count } }

    public func sent(at now: ContinuousClock.Instant = .now) {
        lock.withLock {
            touch(now, now)
            both { $0.sent(at: now - start) }
        }
    }

    /// A request sent and answered, with nothing to wait for: one lock for both, for the GET loop.
    public func answered(intended: ContinuousClock.Instant, now: ContinuousClock.Instant = .now) {
        lock.withLock {
            touch(intended, now)
            both {
                $0.sent(at: intended - start)
                $0.accepted(latency: now - intended, at: now - start)
            }
        }
    }

    public func error(_ kind: String, at now: ContinuousClock.Instant = .now) {
        lock.withLock { both { $0.error(kind, at: now - start) } }
    }

    /// A request answered: its latency counts from when it was meant to start. With a handle,
    /// the run then waits for that image to finish.
    public func accepted(intended: ContinuousClock.Instant, handle: String?, now: ContinuousClock.Instant = .now) {
        lock.withLock {
            touch(intended, now)
            both { $0.accepted(latency: now - intended, at: now - start) }
            guard let handle else { return }
            if let event = early.removeValue(forKey: handle) {
                touch(intended, max(event.at, now))
                both { $0.finished(latency: event.at - intended, at: event.at - start, failed: event.failed) }
            } else {
                pending[handle] = intended
            }
        }
    }

    /// An image finished (COMPLETED, or FAILED when `failed`). Images this run did not send are
    /// ignored, after a while.
    public func finished(handle: String, failed: Bool, at now: ContinuousClock.Instant = .now) {
        let waiter = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            if let intended = pending.removeValue(forKey: handle) {
                touch(intended, now)
                both { $0.finished(latency: now - intended, at: now - start, failed: failed) }
                return waiters.removeValue(forKey: handle)
            } else if early.count < 100_000 {
                early[handle] = (failed, now)
            }
            return nil
        }
        waiter?.resume()
    }

    /// Returns when the image `handle` has finished or been given up on (`abandon`).
    public func waitUntilFinished(_ handle: String) async {
        await withCheckedContinuation { continuation in
            let done = lock.withLock { () -> Bool in
                guard pending[handle] != nil else { return true }
                waiters[handle] = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Gives up on one image: it counts as an error of `kind`, and its sender moves on.
    public func abandon(_ handle: String, kind: String, at now: ContinuousClock.Instant = .now) {
        let waiter = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            guard pending.removeValue(forKey: handle) != nil else { return nil }
            both { $0.error(kind, at: now - start) }
            return waiters.removeValue(forKey: handle)
        }
        waiter?.resume()
    }

    /// The handles still waiting.
    public var pendingHandles: [String] { lock.withLock { Array(pending.keys) } }

    /// Gives up on every image still waiting: each counts as an error of `kind`.
    public func abandonPending(_ kind: String, at now: ContinuousClock.Instant = .now) {
        let released = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            for _ in pending { both { $0.error(kind, at: now - start) } }
            pending.removeAll()
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }
        for waiter in released { waiter.resume() }
    }
}
