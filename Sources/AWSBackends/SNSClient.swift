import AWSSigning
import AsyncHTTPClient
import Foundation

/// SNS Publish, over SNS's query protocol.
public struct SNSClient: Sendable {
    public let aws: AWSClient

    public init(environment: AWSEnvironment, http: HTTPClient = .shared) {
        aws = AWSClient(environment: environment, service: "sns", http: http)
    }

    /// Publishes a message with string attributes; returns the message id.
    @discardableResult
    public func publish(topicARN: String, message: String, subject: String? = nil, attributes: [String: String] = [:]) async throws -> String {
        var parameters = [("Action", "Publish"), ("Version", "2010-03-31"), ("TopicArn", topicARN), ("Message", message)]
        if let subject { parameters.append(("Subject", subject)) }
        for (index, (name, value)) in attributes.sorted(by: { $0.key < $1.key }).enumerated() {
            let entry = "MessageAttributes.entry.\(index + 1)"
            parameters += [("\(entry).Name", name), ("\(entry).Value.DataType", "String"), ("\(entry).Value.StringValue", value)]
        }
        let body = Array(SigV4Encoding.formBody(parameters).utf8)
        let response = try await aws.send(
            .POST, path: "/", headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: body)
        return XMLText.first("MessageId", in: response.text) ?? ""
    }

    /// The topic ARN in `sns://arn:aws:sns:REGION:ACCOUNT:NAME`.
    public static func topicARN(_ reference: String) throws -> String {
        let arn = reference.hasPrefix("sns://") ? String(reference.dropFirst(6)) : reference
        guard arn.hasPrefix("arn:") && arn.split(separator: ":").count >= 6 else {
            throw AWSConfigurationError("'\(reference)' is not an SNS topic: write sns://arn:aws:sns:REGION:ACCOUNT:TOPIC.")
        }
        return arn
    }
}
