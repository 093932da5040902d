import Foundation
import Pipeline

/// Jobs as SQS messages. The visibility timeout is the lease, the receipt handle its token, and
/// the receive count its attempts. A dead letter goes to `deadLetterQueue` when one is set (else
/// the queue's own redrive policy is relied on) and leaves this queue.
public struct SQSJobQueue: JobQueue {
    public let client: SQSClient
    public let queue: String
    public let deadLetterQueue: String?

    public init(client: SQSClient, queue: String, deadLetterQueue: String? = nil) {
        self.client = client
        self.queue = queue
        self.deadLetterQueue = deadLetterQueue
    }

    public func enqueue(_ job: Job) async throws {
        try await client.send(queue: queue, body: String(decoding: try JSONEncoder().encode(job), as: UTF8.self))
    }

    public func lease(for visibility: Duration) async throws -> Lease? {
        for message in try await client.receive(queue: queue, max: 1, visibilitySeconds: Self.seconds(visibility), waitSeconds: 0) {
            guard let job = try? JSONDecoder().decode(Job.self, from: Data(message.body.utf8)) else {
                // Not a job: nothing can ever process it, so it is moved aside.
                try await moveAside(message.receiptHandle, body: message.body)
                continue
            }
            return Lease(job: job, token: message.receiptHandle, attempts: message.receiveCount)
        }
        return nil
    }

    public func acknowledge(_ lease: Lease) async throws {
        try await client.delete(queue: queue, receiptHandle: lease.token)
    }

    public func extendLease(_ lease: Lease, by visibility: Duration) async throws -> Bool {
        try await client.extendLease(lease, on: queue, by: visibility)
    }

    public func retry(_ lease: Lease, after delay: Duration) async throws {
        try await client.hide(lease, on: queue, for: delay)
    }

    public func deadLetter(_ lease: Lease, reason: String) async throws {
        try await moveAside(lease.token, body: String(decoding: try JSONEncoder().encode(lease.job), as: UTF8.self))
    }

    public func depth() async throws -> Int {
        let names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]
        let attributes = try await client.attributes(queue: queue, names: names)
        return names.compactMap { attributes[$0].flatMap(Int.init) }.reduce(0, +)
    }

    func moveAside(_ receiptHandle: String, body: String) async throws {
        if let deadLetterQueue { try await client.send(queue: deadLetterQueue, body: body) }
        try await client.delete(queue: queue, receiptHandle: receiptHandle)
    }

    /// SQS counts whole seconds, up to 12 hours.
    static func seconds(_ duration: Duration) -> Int {
        min(43_200, max(0, Int(duration.components.seconds) + (duration.components.attoseconds > 0 ? 1 : 0)))
    }
}

/// A lease on an SQS message, the same for Darkroom's own jobs and for S3 events: the lease's
/// token is the receipt handle, and its visibility is the message's.
extension SQSClient {
    /// The heartbeat: the message stays hidden for `visibility` more. SQS refuses a receipt
    /// handle whose message was received again, which reads here as a lost lease.
    func extendLease(_ lease: Lease, on queue: String, by visibility: Duration) async throws -> Bool {
        do {
            try await hide(lease, on: queue, for: visibility)
            return true
        } catch let error as AWSError where error.status == 400 {
            return false
        }
    }

    /// Hides the message for `duration` from now (zero shows it at once).
    func hide(_ lease: Lease, on queue: String, for duration: Duration) async throws {
        try await changeVisibility(queue: queue, receiptHandle: lease.token, seconds: SQSJobQueue.seconds(duration))
    }
}
