import AWSBackends
import BlockingWork
import Foundation
import LambdaRuntime
import Logging
import Pipeline

/// What Darkroom does with each Lambda event:
/// - **S3 events** (S3 → Lambda, and S3 → SNS → Lambda): each created object under
///   `events.input` goes through `DropIngestor` (the recursion guard, idempotency,
///   `x-amz-meta-image-id`) and then the same `Worker` as `darkroom worker`. A record that
///   should be tried again fails the invocation, so Lambda's own retries deliver the event again;
///   what was finished is skipped then.
/// - **SQS events** (S3 → SQS → Lambda, and jobs Darkroom queued itself): the same per message,
///   answered with `batchItemFailures`, so that only the messages that failed come back.
/// - **API Gateway and Function URL events**: handed to `http`, the same REST API as `serve`.
///
/// Work on a record stops `margin` before the deadline. A record cut short is FAILED with a
/// message that says so, never left PROCESSING: a render that did not fit in the function's
/// time will not fit in it on a retry either.
public struct LambdaEventHandler: Sendable {
    let runtime: Runtime
    let http: (@Sendable (HTTPEvent) async throws -> [UInt8])?
    let margin: Duration
    let logger: Logger

    public init(
        runtime: Runtime, margin: Duration = .seconds(2), logger: Logger, http: (@Sendable (HTTPEvent) async throws -> [UInt8])? = nil
    ) {
        self.runtime = runtime
        self.http = http
        self.margin = margin
        self.logger = logger
    }

    /// How one record ended.
    enum Outcome: String, Sendable {
        case completed, failed, ignored, retry
    }

    public func handle(_ invocation: LambdaInvocation) async throws -> [UInt8] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(invocation.event)) as? [String: Any] else {
            throw LambdaFunctionError(type: "InvalidEvent", message: "The event is not a JSON object.")
        }
        if let records = object["Records"] as? [[String: Any]] {
            let source = (records.first?["eventSource"] ?? records.first?["EventSource"]) as? String
            switch source {
            case "aws:sqs":
                return try await sqs(records, deadline: invocation.deadline)
            case "aws:s3", "aws:sns", nil:
                let events: [S3ObjectEvent]
                if source == "aws:sns" {
                    events = records.flatMap { record -> [S3ObjectEvent] in
                        let message = ((record["Sns"] as? [String: Any])?["Message"] as? String) ?? ""
                        if case .records(let events) = S3EventMessage.parse(message) { return events }
                        return []
                    }
                } else if case .records(let parsed) = S3EventMessage.parse(String(decoding: invocation.event, as: UTF8.self)) {
                    events = parsed
                } else {
                    events = []
                }
                return try await s3(events, deadline: invocation.deadline)
            default:
                throw LambdaFunctionError(type: "InvalidEvent", message: "Events from \(source ?? "?") are not handled: only S3, SNS and SQS.")
            }
        }
        if object["Event"] as? String == "s3:TestEvent" { return Self.summary([.ignored]) }
        if let request = try HTTPEvent.parse(object) {
            guard let http else { throw LambdaFunctionError(type: "InvalidEvent", message: "This function serves no HTTP requests.") }
            return try await http(request)
        }
        throw LambdaFunctionError(
            type: "InvalidEvent", message: "Not an event this function handles: S3, SNS, SQS, API Gateway or a Function URL.")
    }

    /// Direct S3 (or SNS) records: a summary, or an error that makes Lambda deliver it again.
    func s3(_ events: [S3ObjectEvent], deadline: Date) async throws -> [UInt8] {
        if runtime.backends.drops == nil, !events.isEmpty {
            throw LambdaFunctionError(
                type: "Runtime.ConfigurationError",
                message: "S3 events need DARKROOM_EVENTS_INPUT and DARKROOM_EVENTS_OUTPUT (s3://bucket/prefix) on the function.")
        }
        var outcomes: [Outcome] = []
        for event in events { outcomes.append(await process(event, receiveCount: nil, deadline: deadline)) }
        let retries = outcomes.filter { $0 == .retry }.count
        if retries > 0 {
            throw LambdaFunctionError(
                type: "Darkroom.Retry", message: "\(retries) of \(events.count) objects could not be processed yet; deliver the event again.")
        }
        return Self.summary(outcomes)
    }

    /// An SQS batch: the ids of the messages to deliver again.
    func sqs(_ records: [[String: Any]], deadline: Date) async throws -> [UInt8] {
        struct Message: Sendable {
            var id: String
            var body: String
            var receiveCount: Int
        }
        let messages = records.map { record in
            Message(
                id: record["messageId"] as? String ?? "", body: record["body"] as? String ?? "",
                receiveCount: ((record["attributes"] as? [String: Any])?["ApproximateReceiveCount"] as? String).flatMap(Int.init) ?? 1)
        }
        let width = max(1, runtime.configuration.workerCount)
        var failures: [String] = []
        // Up to `workers.count` messages at once, as many as the workers of `serve` would take.
        let work: @Sendable (Message) async -> [Outcome] = {
            await self.process(message: $0.body, receiveCount: $0.receiveCount, deadline: deadline)
        }
        await concurrently(messages, width: width, work) { message, outcomes in
            if outcomes.contains(.retry) { failures.append(message.id) }
        }
        let answer: [String: Any] = ["batchItemFailures": failures.sorted().map { ["itemIdentifier": $0] }]
        return Array((try? JSONSerialization.data(withJSONObject: answer, options: [.sortedKeys])) ?? Data())
    }

    /// One SQS message: a job Darkroom queued itself, or an S3 notification (maybe in SNS).
    func process(message body: String, receiveCount: Int, deadline: Date) async -> [Outcome] {
        if let job = S3EventQueue.job(inMessage: body) { return [await run(job, receiveCount: receiveCount, deadline: deadline)] }
        switch S3EventMessage.parse(body) {
        case .test:
            return [.ignored]
        case .unrecognized:
            logger.warning("an SQS message that is not an S3 event was dropped", metadata: ["body": "\(body.prefix(200))"])
            return [.ignored]
        case .records(let events):
            var outcomes: [Outcome] = []
            for event in events { outcomes.append(await process(event, receiveCount: receiveCount, deadline: deadline)) }
            return outcomes
        }
    }

    /// One S3 record, through the same intake as `worker --events`.
    func process(_ event: S3ObjectEvent, receiveCount: Int?, deadline: Date) async -> Outcome {
        guard let drops = runtime.backends.drops else {
            logger.error(
                "an S3 event came, but no input is configured: set DARKROOM_EVENTS_INPUT and DARKROOM_EVENTS_OUTPUT (s3://bucket/prefix)",
                metadata: ["source": "s3://\(event.bucket)/\(event.key)"])
            return .retry
        }
        let source = "s3://\(event.bucket)/\(event.key)"
        let outcome: DropIngestor.Outcome
        do {
            outcome = try await drops.ingest(event.drop)
        } catch {
            logger.warning("an S3 object could not be taken in; it will be retried", metadata: ["source": "\(source)", "error": "\(error)"])
            return .retry
        }
        switch outcome {
        case .ignored(let reason):
            logger.info("S3 event ignored", metadata: ["source": "\(source)", "reason": "\(reason)"])
            return .ignored
        case .busy:
            return .retry
        case .job(let job), .existing(let job):
            logger.info("ingested from S3", metadata: ["image": "\(job.imageID)", "source": "\(source)"])
            return await run(job, receiveCount: receiveCount, deadline: deadline)
        }
    }

    /// Runs one job to its end, or to `margin` before the deadline.
    func run(_ job: Job, receiveCount: Int?, deadline: Date) async -> Outcome {
        let record: ImageRecord?
        do {
            record = try await runtime.metadata.record(id: job.imageID)
        } catch {
            logger.warning("the record could not be read; it will be retried", metadata: ["image": "\(job.imageID)", "error": "\(error)"])
            return .retry
        }
        // A repeated event for an image already finished (or deleted) changes nothing.
        guard let record, record.generation == job.generation, !record.status.isFinal else { return .ignored }
        var settings = runtime.configuration.worker
        let attempts: Int
        if let receiveCount {
            attempts = receiveCount
        } else {
            // Lambda delivers an S3 event at most three times: the record counts the attempts,
            // and the third is the last, so the record ends FAILED rather than PROCESSING.
            attempts = record.attempts + 1
            settings.retry.maxAttempts = min(settings.retry.maxAttempts, 3)
        }
        let queue = InvocationJob(job: job, attempts: attempts)
        let worker = runtime.makeWorker(queue: queue, settings: settings, logger: logger)
        let seconds = deadline.timeIntervalSinceNow - LambdaLoop.seconds(margin)
        do {
            try await withDeadline(.milliseconds(max(0, Int64(seconds * 1000))), orThrow: OutOfTime()) { _ = try await worker.processNext() }
        } catch is OutOfTime {
            let message =
                "Processing did not finish within the Lambda function's time and was stopped before its deadline. Give the function more time or memory, then reprocess the image."
            logger.error("image stopped at the deadline", metadata: ["image": "\(job.imageID)"])
            if (try? await runtime.metadata.fail(id: job.imageID, generation: job.generation, error: message)) == true {
                await runtime.notifier.notify(ImageEvent(id: job.imageID, status: .failed, error: message))
            }
            return .failed
        } catch {
            logger.warning("the job could not run; it will be retried", metadata: ["image": "\(job.imageID)", "error": "\(error)"])
            return .retry
        }
        switch await queue.disposition {
        case .acknowledged: return .completed
        case .deadLettered: return .failed
        case .retried, nil: return .retry
        }
    }

    static func summary(_ outcomes: [Outcome]) -> [UInt8] {
        var counts: [String: Int] = ["completed": 0, "failed": 0, "ignored": 0]
        for outcome in outcomes { counts[outcome.rawValue, default: 0] += 1 }
        return Array((try? JSONSerialization.data(withJSONObject: counts, options: [.sortedKeys])) ?? Data())
    }
}

/// A record's work reached the function's deadline.
struct OutOfTime: Error {}
