import AWSSigning
import AsyncHTTPClient
import Foundation

/// The DynamoDB calls Darkroom makes, over its JSON protocol. Items are attribute-value maps
/// (`["S": "text"]`, `["N": "12"]`, …) as the API writes them.
public struct DynamoDBClient: Sendable {
    public let aws: AWSClient

    public init(environment: AWSEnvironment, http: HTTPClient = .shared) {
        aws = AWSClient(environment: environment, service: "dynamodb", http: http)
    }

    public typealias Item = [String: Any]

    public func call(_ operation: String, _ input: [String: Any]) async throws -> [String: Any] {
        try await aws.json("DynamoDB_20120810.\(operation)", input)
    }

    /// Runs a conditional write; false when its condition did not hold.
    public func conditionalWrite(_ operation: String, _ input: [String: Any]) async throws -> [String: Any]? {
        do {
            return try await call(operation, input)
        } catch let error as AWSError where error.code == "ConditionalCheckFailedException" {
            return nil
        }
    }

    public func getItem(table: String, key: Item) async throws -> Item? {
        try await call("GetItem", ["TableName": table, "Key": key, "ConsistentRead": true])["Item"] as? Item
    }

    /// Waits until the table is ACTIVE.
    public func waitUntilActive(table: String, timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let description = try await call("DescribeTable", ["TableName": table])
            if (description["Table"] as? [String: Any])?["TableStatus"] as? String == "ACTIVE" { return }
            try await Task.sleep(for: .seconds(1))
        }
        throw AWSError(service: "dynamodb", status: 0, code: "Timeout", message: "The table \(table) did not become ACTIVE.")
    }
}
