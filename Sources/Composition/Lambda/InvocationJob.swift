import Pipeline

/// One record of a Lambda event as a queue of one job, so that the same `Worker` that serves
/// `darkroom worker` processes it: leased once, and what the worker then did with it is kept
/// for the invocation's answer. Lambda (or SQS behind it) is the durable queue; this only
/// carries one delivery.
actor InvocationJob: JobQueue {
    enum Disposition: Equatable {
        /// Done, or nothing to do (already done, deleted): the record is final.
        case acknowledged
        /// Worth another delivery: storage or the database failed.
        case retried
        /// Failed for good; the record is FAILED and its notification sent.
        case deadLettered
    }

    private var pending: Lease?
    private(set) var disposition: Disposition?

    init(job: Job, attempts: Int) {
        pending = Lease(job: job, token: "lambda:\(job.imageID)", attempts: attempts)
    }

    func enqueue(_ job: Job) async throws {
        throw InvocationJobError()
    }

    func lease(for visibility: Duration) async throws -> Lease? {
        defer { pending = nil }
        return pending
    }

    func acknowledge(_ lease: Lease) async throws { disposition = .acknowledged }
    func retry(_ lease: Lease, after delay: Duration) async throws { disposition = .retried }
    func deadLetter(_ lease: Lease, reason: String) async throws { disposition = .deadLettered }
    func depth() async throws -> Int { pending == nil ? 0 : 1 }
}

/// A worker never enqueues; an invocation's queue takes no second job.
struct InvocationJobError: Error, CustomStringConvertible {
    var description: String { "a Lambda invocation's record takes no further jobs" }
}
