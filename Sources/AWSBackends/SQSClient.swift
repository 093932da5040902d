import AWSSigning
import AsyncHTTPClient
import Foundation

/// The SQS calls Darkroom makes, over SQS's JSON protocol.
public struct SQSClient: Sendable {
    public let aws: AWSClient

    /// `sqs://NAME` references resolved to URLs, so each is looked up once.
    private let resolved = ResolvedQueues()

    public init(environment: AWSEnvironment, http: HTTPClient = .shared) {
        aws = AWSClient(environment: environment, service: "sqs", http: http)
    }

    /// One received message: its body, the handle to delete or hide it with, and how many times
    /// it has been received, this time included.
    public struct Message: Sendable {
        public var id: String
        public var body: String
        public var receiptHandle: String
        public var receiveCount: Int
    }

    /// Every call that names a queue may name it `sqs://NAME`: it is resolved on first use, so
    /// making a queue does no I/O.
    func call(_ operation: String, _ input: [String: Any]) async throws -> [String: Any] {
        var input = input
        if let reference = input["QueueUrl"] as? String { input["QueueUrl"] = try await queueURL(reference) }
        return try await aws.json("AmazonSQS.\(operation)", input)
    }

    /// A queue URL from what a person wrote: the URL AWS prints, or `sqs://queue-name`.
    public func queueURL(_ reference: String) async throws -> String {
        if reference.hasPrefix("https://") || reference.hasPrefix("http://") { return reference }
        guard reference.hasPrefix("sqs://"), reference.count > 6 else {
            throw AWSConfigurationError("'\(reference)' is not a queue: give its URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME) or sqs://NAME.")
        }
        if let url = resolved.url(for: reference) { return url }
        let answer = try await aws.json("AmazonSQS.GetQueueUrl", ["QueueName": String(reference.dropFirst(6))])
        guard let url = answer["QueueUrl"] as? String else { throw AWSConfigurationError("SQS did not return a URL for \(reference).") }
        resolved.store(url, for: reference)
        return url
    }

    public func createQueue(_ name: String, attributes: [String: String] = [:]) async throws -> String {
        let answer = try await call("CreateQueue", ["QueueName": name, "Attributes": attributes])
        return answer["QueueUrl"] as? String ?? ""
    }

    public func send(queue: String, body: String, delaySeconds: Int = 0) async throws {
        _ = try await call("SendMessage", ["QueueUrl": queue, "MessageBody": body, "DelaySeconds": delaySeconds])
    }

    /// Up to `max` messages, hidden for `visibilitySeconds`; waits up to `waitSeconds` for one.
    public func receive(queue: String, max: Int, visibilitySeconds: Int, waitSeconds: Int) async throws -> [Message] {
        let answer = try await call(
            "ReceiveMessage",
            [
                "QueueUrl": queue, "MaxNumberOfMessages": max, "VisibilityTimeout": visibilitySeconds, "WaitTimeSeconds": waitSeconds,
                "AttributeNames": ["ApproximateReceiveCount"], "MessageSystemAttributeNames": ["ApproximateReceiveCount"],
            ])
        return (answer["Messages"] as? [[String: Any]] ?? []).compactMap { message in
            guard let handle = message["ReceiptHandle"] as? String else { return nil }
            let attributes = message["Attributes"] as? [String: Any] ?? [:]
            let count = (attributes["ApproximateReceiveCount"] as? String).flatMap(Int.init) ?? 1
            return Message(
                id: message["MessageId"] as? String ?? "", body: message["Body"] as? String ?? "", receiptHandle: handle, receiveCount: count)
        }
    }

    public func delete(queue: String, receiptHandle: String) async throws {
        _ = try await call("DeleteMessage", ["QueueUrl": queue, "ReceiptHandle": receiptHandle])
    }

    /// Hides a received message for `seconds` more (0 makes it visible at once).
    public func changeVisibility(queue: String, receiptHandle: String, seconds: Int) async throws {
        _ = try await call("ChangeMessageVisibility", ["QueueUrl": queue, "ReceiptHandle": receiptHandle, "VisibilityTimeout": seconds])
    }

    public func attributes(queue: String, names: [String]) async throws -> [String: String] {
        let answer = try await call("GetQueueAttributes", ["QueueUrl": queue, "AttributeNames": names])
        return answer["Attributes"] as? [String: String] ?? [:]
    }
}

/// Queue URLs already looked up, by reference.
///
/// `@unchecked Sendable`: `urls` is only touched with `lock` held.
final class ResolvedQueues: @unchecked Sendable {
    private let lock = NSLock()
    private var urls: [String: String] = [:]

    func url(for reference: String) -> String? { lock.withLock { urls[reference] } }
    func store(_ url: String, for reference: String) { lock.withLock { urls[reference] = url } }
}
