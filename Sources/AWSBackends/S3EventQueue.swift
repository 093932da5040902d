import Foundation
import Logging
import Pipeline

/// S3 `ObjectCreated` notifications in SQS, seen by the worker as jobs. Leasing a message
/// creates its image record, idempotently on bucket, key and ETag, so a redelivered or duplicate
/// event is processed once. The SQS visibility timeout is the lease; the message is deleted only
/// after the variants are stored and the record is final. A job that keeps failing is put back
/// with a growing delay, so the queue's own redrive policy can move it to its dead-letter queue.
///
/// Nothing is ever ingested from the output location: those events, test events, other event
/// types and keys outside the input location are deleted without a record.
public struct S3EventQueue: JobQueue {
    public let sqs: SQSClient
    public let queue: String
    public let input: S3Location
    public let output: S3Location
    let s3: S3Client
    let metadata: any MetadataStore
    let recipe: String
    let logger: Logger
    /// How long a receive waits for a message (SQS long polling).
    var waitSeconds = 2

    public init(
        sqs: SQSClient, queue: String, input: S3Location, output: S3Location, s3: S3Client, metadata: any MetadataStore, recipe: String,
        logger: Logger = Logger(label: "darkroom.s3-events")
    ) throws {
        guard !input.overlaps(output) else {
            throw OverlappingLocationsError(input: input, output: output)
        }
        self.sqs = sqs
        self.queue = queue
        self.input = input
        self.output = output
        self.s3 = s3
        self.metadata = metadata
        self.recipe = recipe
        self.logger = logger
    }

    /// A job sent by Darkroom itself (a reprocess) rather than by S3.
    struct JobMessage: Codable {
        var darkroomJob: Job
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
        if let job = try? JSONDecoder().decode(JobMessage.self, from: Data(message.body.utf8)) {
            return Lease(job: job.darkroomJob, token: message.receiptHandle, attempts: message.receiveCount)
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
            return try await ingest(event, message: message)
        }
    }

    func ingest(_ event: S3ObjectEvent, message: SQSClient.Message) async throws -> Lease? {
        guard event.isObjectCreated else { return try await drop(message, reason: "\(event.eventName) is not ObjectCreated") }
        if output.contains(bucket: event.bucket, key: event.key) {
            return try await drop(message, reason: "s3://\(event.bucket)/\(event.key) is in the output location")
        }
        guard input.contains(bucket: event.bucket, key: event.key) else {
            return try await drop(message, reason: "s3://\(event.bucket)/\(event.key) is outside the input location \(input)")
        }
        let claim = "s3://\(event.bucket)/\(event.key)#\(event.eTag)"
        // The claim names the object version, so it is its own fingerprint.
        switch try await metadata.claimIdempotencyKey(claim, fingerprint: claim) {
        case .mismatch:
            return try await drop(message, reason: "a duplicate")
        case .completed(let ids):
            // Seen before: the worker skips it if it is done, or finishes it if a crash interrupted it.
            guard let id = ids.first, let record = try await metadata.record(id: id) else { return try await drop(message, reason: "a duplicate") }
            return Lease(
                job: Job(imageID: id, recipe: record.recipe, generation: record.generation), token: message.receiptHandle,
                attempts: message.receiveCount)
        case .inProgress:
            try await sqs.changeVisibility(queue: queue, receiptHandle: message.receiptHandle, seconds: 5)
            return nil
        case .claimed:
            do {
                guard let head = try await s3.headObject(bucket: event.bucket, key: event.key) else {
                    try await metadata.releaseIdempotencyKey(claim)
                    return try await drop(message, reason: "s3://\(event.bucket)/\(event.key) no longer exists")
                }
                let filename = DisplayName.normalise(event.key)
                let record = ImageRecord(
                    id: ImageID.generate(), filename: filename, recipe: recipe, contentType: head.contentType ?? "application/octet-stream",
                    bytes: head.size, sha256: "", originalKey: "s3://\(event.bucket)/\(event.key)")
                try await metadata.insert(record)
                try await metadata.completeIdempotencyKey(claim, imageIDs: [record.id])
                logger.info("ingested from S3", metadata: ["image": "\(record.id)", "source": "s3://\(event.bucket)/\(event.key)"])
                return Lease(
                    job: Job(imageID: record.id, recipe: recipe, generation: 1), token: message.receiptHandle, attempts: message.receiveCount)
            } catch {
                try? await metadata.releaseIdempotencyKey(claim)
                throw error
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

    public func retry(_ lease: Lease, after delay: Duration) async throws {
        try await sqs.changeVisibility(queue: queue, receiptHandle: lease.token, seconds: SQSJobQueue.seconds(delay))
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

/// The input and output locations overlap, which would feed outputs back in.
public struct OverlappingLocationsError: Error, CustomStringConvertible {
    public var input: S3Location
    public var output: S3Location

    public init(input: S3Location, output: S3Location) {
        self.input = input
        self.output = output
    }

    public var description: String {
        "--input \(input) and --output \(output) overlap: variants written to the output would be ingested again. Use separate buckets or prefixes."
    }
}
