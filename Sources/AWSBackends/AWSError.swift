import Foundation

/// An error answer from an AWS service, with its code and message, from XML (S3, SNS) or JSON
/// (SQS, DynamoDB) bodies.
public struct AWSError: Error, CustomStringConvertible, Sendable {
    public var service: String
    public var status: Int
    public var code: String
    public var message: String
    public var requestID: String?

    public init(service: String, status: Int, code: String, message: String, requestID: String? = nil) {
        self.service = service
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
    }

    init(service: String, status: Int, body: [UInt8], requestID: String?) {
        let text = String(decoding: body, as: UTF8.self)
        var code = XMLText.first("Code", in: text) ?? ""
        var message = XMLText.first("Message", in: text) ?? ""
        if code.isEmpty, let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] {
            // "__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"
            code = ((json["__type"] as? String) ?? (json["code"] as? String) ?? "").split(separator: "#").last.map(String.init) ?? ""
            message = (json["message"] as? String) ?? (json["Message"] as? String) ?? ""
        }
        if code.isEmpty { code = "HTTP\(status)" }
        if message.isEmpty { message = text.isEmpty ? "no details" : String(text.prefix(300)) }
        self.init(service: service, status: status, code: code, message: message, requestID: requestID)
    }

    /// Throttling and server-side failures are worth another try.
    public var isRetryable: Bool {
        status >= 500 || status == 429
            || ["Throttling", "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded", "SlowDown", "RequestTimeout"]
                .contains(code)
    }

    public var description: String { "\(service) \(status) \(code): \(message)" }
}
