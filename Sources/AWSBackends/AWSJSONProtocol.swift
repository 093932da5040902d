import Foundation

/// The JSON protocol of SQS and DynamoDB: a POST to `/` with `X-Amz-Target: Prefix.Operation`
/// and a JSON object each way.
extension AWSClient {
    public func json(_ target: String, _ input: [String: Any], contentType: String = "application/x-amz-json-1.0") async throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: input)
        let response = try await send(.POST, path: "/", headers: [("Content-Type", contentType), ("X-Amz-Target", target)], body: Array(body))
        guard !response.body.isEmpty else { return [:] }
        guard let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw AWSError(
                service: service, status: response.status, code: "BadResponse",
                message: "\(target) answered with something that is not a JSON object.")
        }
        return object
    }
}
