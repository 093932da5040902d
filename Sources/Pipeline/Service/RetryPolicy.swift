/// How often and how patiently a failing job is retried.
public struct RetryPolicy: Sendable, Equatable {
    /// Leases before the job goes to the dead-letter state and the image to FAILED.
    public var maxAttempts: Int
    public var firstDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 5, firstDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(60)) {
        self.maxAttempts = maxAttempts
        self.firstDelay = firstDelay
        self.maxDelay = maxDelay
    }

    /// Exponential: the first delay, doubled for each attempt after the first, capped, with up to
    /// 20% random jitter so retries of many jobs do not land together.
    public func delay(afterAttempt attempt: Int) -> Duration {
        let doublings = min(max(attempt - 1, 0), 30)
        let base = min(firstDelay * (1 << doublings), maxDelay)
        return base * Double.random(in: 0.8...1.0)
    }
}
