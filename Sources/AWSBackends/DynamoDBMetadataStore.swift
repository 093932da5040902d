import Foundation
import Pipeline

/// Image records in one DynamoDB table keyed on the image id, with two indexes:
/// - `status-id` (status, id): a status's images, newest first;
/// - `kind-id` (kind, id): every image, newest first (ids sort by time).
/// Every status change is a conditional write on the current status and generation, so a stale
/// worker can never move a record backwards. Idempotency keys live in the same table as
/// `idempotency#<key>` items, which have no status and so stay out of both indexes.
public struct DynamoDBMetadataStore: MetadataStore {
    public let client: DynamoDBClient
    public let table: String
    /// Maps a blob key to its full location (`s3://bucket/prefix/key`) when blobs are in S3.
    let locate: @Sendable (String) -> String?

    public init(client: DynamoDBClient, table: String, locate: @escaping @Sendable (String) -> String? = { _ in nil }) {
        self.client = client
        self.table = table
        self.locate = locate
    }

    static let statusIndex = "status-id"
    static let timeIndex = "kind-id"

    /// Creates the table and its indexes (on-demand billing) and waits until it is ACTIVE.
    /// A table that already exists is left as it is.
    public static func createTable(client: DynamoDBClient, table: String) async throws {
        let index = { (name: String, partition: String) -> [String: Any] in
            [
                "IndexName": name, "KeySchema": [["AttributeName": partition, "KeyType": "HASH"], ["AttributeName": "id", "KeyType": "RANGE"]],
                "Projection": ["ProjectionType": "ALL"],
            ]
        }
        do {
            _ = try await client.call(
                "CreateTable",
                [
                    "TableName": table, "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [
                        ["AttributeName": "id", "AttributeType": "S"], ["AttributeName": "status", "AttributeType": "S"],
                        ["AttributeName": "kind", "AttributeType": "S"],
                    ],
                    "KeySchema": [["AttributeName": "id", "KeyType": "HASH"]],
                    "GlobalSecondaryIndexes": [index(statusIndex, "status"), index(timeIndex, "kind")],
                ])
        } catch let error as AWSError where error.code == "ResourceInUseException" {
            // Already there.
        }
        try await client.waitUntilActive(table: table)
    }

    func key(_ id: String) -> [String: Any] { ["id": DynamoValue.s(id)] }

    static func now() -> String { Timestamp.string(Date()) }

    public func insert(_ record: ImageRecord) async throws {
        let item = DynamoDBImageItem.encode(record, locate: locate)
        guard
            try await client.conditionalWrite("PutItem", ["TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(id)"]) != nil
        else {
            throw DynamoDBStoreError(message: "An image with id \(record.id) already exists.")
        }
    }

    /// The item is written over only while it is PENDING and unattempted; an item the web app
    /// wrote in its own shape (no `attempts`) counts as unattempted.
    public func adopt(_ record: ImageRecord) async throws -> Bool {
        let item = DynamoDBImageItem.encode(record, locate: locate)
        return try await client.conditionalWrite(
            "PutItem",
            [
                "TableName": table, "Item": item,
                "ConditionExpression": "attribute_not_exists(id) OR (#s = :pending AND (attribute_not_exists(attempts) OR attempts = :zero))",
                "ExpressionAttributeNames": ["#s": "status"],
                "ExpressionAttributeValues": [":pending": DynamoValue.s(ImageStatus.pending.rawValue), ":zero": DynamoValue.n(0)],
            ]) != nil
    }

    public func record(id: String) async throws -> ImageRecord? {
        try await client.getItem(table: table, key: key(id)).flatMap(DynamoDBImageItem.decode)
    }

    /// Facts filters are a `FilterExpression` over the time or status index: DynamoDB reads the
    /// records it passes over (they are not indexed), and the loop below goes on until the page
    /// is full or the index ends.
    public func list(status: ImageStatus?, limit: Int, after: String?, matching filter: FactsFilter) async throws -> [ImageRecord] {
        var names: [String: String] = ["#p": status == nil ? "kind" : "status"]
        var values: [String: Any] = [":p": DynamoValue.s(status?.rawValue ?? "image")]
        var condition = "#p = :p"
        if let after {
            condition += " AND #id < :after"
            names["#id"] = "id"
            values[":after"] = DynamoValue.s(after)
        }
        var filters: [String] = []
        if let format = filter.format {
            filters.append("#fmt = :ff")
            (names["#fmt"], values[":ff"]) = ("format", DynamoValue.s(format))
        }
        if let from = filter.takenFrom {
            filters.append("takenAt >= :tf")
            values[":tf"] = DynamoValue.s(from)
        }
        if let before = filter.takenBefore {
            filters.append("takenAt < :tb")
            values[":tb"] = DynamoValue.s(before)
        }
        var records: [ImageRecord] = []
        var startKey: [String: Any]?
        repeat {
            var input: [String: Any] = [
                "TableName": table, "IndexName": status == nil ? Self.timeIndex : Self.statusIndex, "KeyConditionExpression": condition,
                "ExpressionAttributeNames": names, "ExpressionAttributeValues": values, "ScanIndexForward": false, "Limit": limit - records.count,
            ]
            if let startKey { input["ExclusiveStartKey"] = startKey }
            if !filters.isEmpty { input["FilterExpression"] = filters.joined(separator: " AND ") }
            let answer = try await client.call("Query", input)
            records += (answer["Items"] as? [[String: Any]] ?? []).compactMap(DynamoDBImageItem.decode)
            startKey = answer["LastEvaluatedKey"] as? [String: Any]
        } while startKey != nil && records.count < limit
        return records
    }

    public func markProcessing(id: String, generation: Int, attempts: Int) async throws -> Bool {
        try await update(
            id, set: "#st = :processing, attempts = :a, updatedAt = :now", when: "generation = :g AND #st IN (:pending, :processing)",
            values: [
                ":processing": DynamoValue.s("PROCESSING"), ":pending": DynamoValue.s("PENDING"), ":a": DynamoValue.n(attempts),
                ":g": DynamoValue.n(generation),
            ]) != nil
    }

    public func complete(id: String, generation: Int, attempt: Int, with result: CompletedImage) async throws -> Bool {
        var values: [String: Any] = [:]
        var set = "#st = :completed, width = :w, height = :h, #fmt = :f, variants = :v, regions = :rg, completedAt = :now, updatedAt = :now"
        var remove = ["#err"]
        if let placeholder = result.placeholder, let attribute = DynamoValue.attribute(placeholder) {
            values[":ph"] = attribute
            set += ", #ph = :ph"
        } else {
            remove.append("#ph")
        }
        if let facts = result.facts, let attribute = DynamoValue.attribute(facts) {
            values[":fa"] = attribute
            set += ", facts = :fa"
        } else {
            remove.append("facts")
        }
        if let taken = FactsFilter.takenKey(result.facts) {
            values[":tk"] = DynamoValue.s(taken)
            set += ", takenAt = :tk"
        } else {
            remove.append("takenAt")
        }
        return try await update(
            id, set: set, remove: remove.joined(separator: ", "), when: "generation = :g AND #st = :processing AND attempts = :a",
            values: values.merging([
                ":completed": DynamoValue.s("COMPLETED"), ":processing": DynamoValue.s("PROCESSING"), ":a": DynamoValue.n(attempt),
                ":w": DynamoValue.n(result.width),
                ":h": DynamoValue.n(result.height), ":f": DynamoValue.s(result.format),
                ":v": DynamoDBImageItem.variants(result.variants, locate: locate),
                ":rg": DynamoDBImageItem.regions(result.regions), ":g": DynamoValue.n(generation),
            ]) { $1 }) != nil
    }

    public func fail(id: String, generation: Int, error: String) async throws -> Bool {
        try await update(
            id, set: "#st = :failed, #err = :e, completedAt = :now, updatedAt = :now", when: "generation = :g AND #st IN (:pending, :processing)",
            values: [
                ":failed": DynamoValue.s("FAILED"), ":pending": DynamoValue.s("PENDING"), ":processing": DynamoValue.s("PROCESSING"),
                ":e": DynamoValue.s(error), ":g": DynamoValue.n(generation),
            ]) != nil
    }

    public func setRegions(id: String, regions: ImageRegions) async throws -> Bool {
        try await update(
            id, set: "regions = :rg, updatedAt = :now", when: "attribute_exists(id)", values: [":rg": DynamoDBImageItem.regions(regions)]) != nil
    }

    public func restart(id: String, recipe: String) async throws -> ImageRecord? {
        try await update(
            id, set: "#st = :pending, recipe = :r, generation = generation + :one, variants = :none, attempts = :zero, updatedAt = :now",
            remove: "#err, completedAt, #ph", when: "attribute_exists(id)",
            values: [
                ":pending": DynamoValue.s("PENDING"), ":r": DynamoValue.s(recipe), ":one": DynamoValue.n(1), ":none": ["L": [Any]()],
                ":zero": DynamoValue.n(0),
            ]
        ).flatMap(DynamoDBImageItem.decode)
    }

    public func delete(id: String) async throws -> ImageRecord? {
        let answer = try await client.call("DeleteItem", ["TableName": table, "Key": key(id), "ReturnValues": "ALL_OLD"])
        return (answer["Attributes"] as? [String: Any]).flatMap(DynamoDBImageItem.decode)
    }

    /// One conditional UpdateItem on an image (which must exist); the item as it is now, or
    /// nil when the condition did not hold.
    func update(_ id: String, set: String, remove: String? = nil, when condition: String, values: [String: Any]) async throws -> [String: Any]? {
        var expression = "SET \(set)"
        if let remove { expression += " REMOVE \(remove)" }
        var allValues = values
        allValues[":now"] = DynamoValue.s(Self.now())
        var names: [String: String] = [:]
        for (placeholder, name) in [("#st", "status"), ("#err", "error"), ("#fmt", "format"), ("#ph", "placeholder")]
        where expression.contains(placeholder) || condition.contains(placeholder) {
            names[placeholder] = name
        }
        if !expression.contains(":now") { allValues[":now"] = nil }
        var input: [String: Any] = [
            "TableName": table, "Key": key(id), "UpdateExpression": expression, "ConditionExpression": "attribute_exists(id) AND (\(condition))",
            "ExpressionAttributeValues": allValues, "ReturnValues": "ALL_NEW",
        ]
        if !names.isEmpty { input["ExpressionAttributeNames"] = names }
        return try await client.conditionalWrite("UpdateItem", input).map { $0["Attributes"] as? [String: Any] ?? [:] }
    }

    // MARK: Idempotency keys

    func idempotencyKey(_ key: String) -> [String: Any] { ["id": DynamoValue.s("idempotency#\(key)")] }

    public func claimIdempotencyKey(_ key: String, fingerprint: String) async throws -> IdempotencyClaim {
        let now = Date().timeIntervalSince1970
        let claimed = try await client.conditionalWrite(
            "PutItem",
            [
                "TableName": table,
                "Item": idempotencyKey(key).merging(["claimedAt": DynamoValue.n(now), "fingerprint": DynamoValue.s(fingerprint)]) { $1 },
                "ConditionExpression": "attribute_not_exists(id) OR (attribute_not_exists(imageIDs) AND claimedAt < :stale)",
                "ExpressionAttributeValues": [":stale": DynamoValue.n(now - 86_400)],
            ])
        if claimed != nil { return .claimed }
        let item = try await client.getItem(table: table, key: idempotencyKey(key)) ?? [:]
        guard DynamoValue.string(item, "fingerprint") == fingerprint else { return .mismatch }
        if let ids = DynamoValue.strings(item, "imageIDs") { return .completed(ids) }
        return .inProgress
    }

    public func completeIdempotencyKey(_ key: String, imageIDs: [String]) async throws {
        _ = try await client.call(
            "UpdateItem",
            [
                "TableName": table, "Key": idempotencyKey(key), "UpdateExpression": "SET imageIDs = :ids",
                "ExpressionAttributeValues": [":ids": ["L": imageIDs.map { DynamoValue.s($0) }]],
            ])
    }

    public func releaseIdempotencyKey(_ key: String) async throws {
        _ = try await client.conditionalWrite(
            "DeleteItem", ["TableName": table, "Key": idempotencyKey(key), "ConditionExpression": "attribute_not_exists(imageIDs)"])
    }
}

public struct DynamoDBStoreError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
