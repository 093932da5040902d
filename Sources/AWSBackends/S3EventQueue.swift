import Foundation
import Logging
import Pipeline

/// S3 notifications in SQS, seen by the worker as jobs. This is transport only: the message is
/// read here, and what it means (the recursion guard, idempotency, the record) is decided by
/// `DropIngestor`. The SQS visibility timeout is the lease; the message is deleted only after
/// the variants are stored and the record is final. A job that keeps failing is put back with a
/// growing delay, so the queue's own redrive policy can move it to its dead-letter queue.
public struct S3EventQueue: JobQueue {
    public let sqs: SQSClient
    public let queue: String
    let drops: DropIngestor
    let logger: Logger
    /// How long a receive waits for a message (SQS long polling).
    var waitSeconds = 2

    public init(sqs: SQSClient, queue: String, drops: DropIngestor, logger: Logger = Logger(label: "darkroom.s3-events")) {
        self.sqs = sqs
        self.queue = queue
        self.drops = drops
        self.logger = logger
    }

    /// A job sent by Darkroom itself (a reprocess) rather than by S3.
    struct JobMessage: Codable {
        var darkroomJob: Job
    }

    /// The job in a message Darkroom sent itself (this queue's `{"darkroomJob": …}`, or the
    /// bare job `SQSJobQueue` sends), or nil for anything else (an S3 event).
    public static func job(inMessage body: String) -> Job? {
        let data = Data(body.utf8)
        return (try? JSONDecoder().decode(JobMessage.self, from: data))?.darkroomJob ?? (try? JSONDecoder().decode(Job.self, from: data))
    }

    public func enqueue(_ job: Job) async throws {
        try await sqs.send(queue: queue, body: String(decoding: try JSONEncoder().encode(JobMessage(darkroomJob: job)), as: UTF8.self))
    }

    public func lease(for visibility: Duration) async throws -> Lease? {
        let messages = try await sqs.receive(queue: queue, max: 1, visibilitySeconds: SQSJobQueue.seconds(visibility), waitSeconds: waitSeconds)
        for message in messages {
            if let lease = try await ingest(message) { return lease }
        }
        return nil
    }

    /// The lease for a message, or nil when the message was not an image to process (it is then
    /// deleted, or put back for a moment when another worker is creating its record).
    func ingest(_ message: SQSClient.Message) async throws -> Lease? {
        if let job = Self.job(inMessage: message.body) {
            return Lease(job: job, token: message.receiptHandle, attempts: message.receiveCount)
        }
        switch S3EventMessage.parse(message.body) {
        case .test:
            return try await drop(message, reason: "s3:TestEvent")
        case .unrecognized:
            return try await drop(message, reason: "not an S3 event")
        case .records(let records) where records.count > 1:
            // One job per message: each record goes back as its own message.
            for record in records { try await sqs.send(queue: queue, body: record.asEventJSON) }
            return try await drop(message, reason: "split into \(records.count) messages")
        case .records(let records):
            guard let event = records.first else { return try await drop(message, reason: "no records") }
            let outcome: DropIngestor.Outcome
            do {
                outcome = try await drops.ingest(event.drop)
            } catch {
                // Storage or the database failed: the event comes back after a short delay, and the
                // queue's redrive policy counts the attempt.
                logger.warning("an S3 event could not be ingested; it will be retried", metadata: ["error": "\(error)", "message": "\(message.id)"])
                try? await sqs.changeVisibility(
                    queue: queue, receiptHandle: message.receiptHandle, seconds: min(60, 1 << min(message.receiveCount, 6)))
                throw error
            }
            switch outcome {
            case .job(let job), .existing(let job):
                logger.info("ingested from S3", metadata: ["image": "\(job.imageID)", "source": "s3://\(event.bucket)/\(event.key)"])
                return Lease(job: job, token: message.receiptHandle, attempts: message.receiveCount)
            case .ignored(let reason):
                return try await drop(message, reason: reason)
            case .busy:
                try await sqs.changeVisibility(queue: queue, receiptHandle: message.receiptHandle, seconds: 5)
                return nil
            }
        }
    }

    func drop(_ message: SQSClient.Message, reason: String) async throws -> Lease? {
        logger.info("S3 event ignored", metadata: ["reason": "\(reason)", "message": "\(message.id)"])
        try await sqs.delete(queue: queue, receiptHandle: message.receiptHandle)
        return nil
    }

    public func acknowledge(_ lease: Lease) async throws {
        try await sqs.delete(queue: queue, receiptHandle: lease.token)
    }

    public func extendLease(_ lease: Lease, by visibility: Duration) async throws -> Bool {
        try await sqs.extendLease(lease, on: queue, by: visibility)
    }

    public func retry(_ lease: Lease, after delay: Duration) async throws {
        try await sqs.hide(lease, on: queue, for: delay)
    }

    /// The worker gave up: the record is FAILED with its error and a FAILED notification went
    /// out, so the event is deleted. This happens at once for a file that can never work
    /// (corrupt, empty, too large), and after `worker.maxAttempts` for one that keeps failing; a
    /// queue whose redrive `maxReceiveCount` is lower moves such events to its dead-letter queue
    /// first, where they can be redriven once the cause is fixed.
    public func deadLetter(_ lease: Lease, reason: String) async throws {
        try await sqs.delete(queue: queue, receiptHandle: lease.token)
    }

    public func depth() async throws -> Int {
        try await SQSJobQueue(client: sqs, queue: queue).depth()
    }
}
