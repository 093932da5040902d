import Foundation

/// A request to run a recipe on one image.
public struct Job: Sendable, Equatable, Codable {
    public var imageID: String
    public var recipe: String
    /// The record generation this job is for.
    public var generation: Int

    public init(imageID: String, recipe: String, generation: Int) {
        self.imageID = imageID
        self.recipe = recipe
        self.generation = generation
    }
}

/// A job a worker holds until the lease expires.
public struct Lease: Sendable, Equatable {
    public var job: Job
    /// Identifies this lease to the queue; an expired lease's token no longer matches.
    public var token: String
    /// How many times the job has been leased, this lease included.
    public var attempts: Int

    public init(job: Job, token: String, attempts: Int) {
        self.job = job
        self.token = token
        self.attempts = attempts
    }
}

/// Durable jobs with leases: SQL tables or SQS. A leased job is invisible until its lease
/// expires; a worker that crashes simply lets it expire, and the job comes back.
///
/// The SQL queues lease a job to one worker at a time. SQS standard queues deliver at least
/// once: two workers may, rarely, hold the same job. Workers are safe under that because a job
/// names its record generation and every write it makes is idempotent (same keys, same bytes).
public protocol JobQueue: Sendable {
    func enqueue(_ job: Job) async throws
    /// The next visible job, leased for `visibility`; nil when none is ready.
    func lease(for visibility: Duration) async throws -> Lease?
    /// The job is done: remove it. A lease that expired and was taken by another worker is not
    /// acknowledged by its old holder.
    func acknowledge(_ lease: Lease) async throws
    /// Puts the job back, visible again after `delay`.
    func retry(_ lease: Lease, after delay: Duration) async throws
    /// Gives up on the job for good: it moves to the dead-letter state.
    func deadLetter(_ lease: Lease, reason: String) async throws
    /// Jobs waiting or leased, not counting dead letters.
    func depth() async throws -> Int
    /// Pushes a held lease's expiry to `visibility` from now while its job runs: the worker's
    /// heartbeat. False when the lease was lost (it expired and another worker took the job).
    func extendLease(_ lease: Lease, by visibility: Duration) async throws -> Bool
}

extension JobQueue {
    /// A queue without heartbeats: the lease runs its course.
    public func extendLease(_ lease: Lease, by visibility: Duration) async throws -> Bool { true }
}
