import AWSSigning
import Foundation
import Pipeline

/// One S3 notification, read from an SQS message body: direct from S3, or wrapped in an SNS
/// envelope (`{"Type": "Notification", "Message": "<the S3 event as a string>"}`).
public enum S3EventMessage: Equatable, Sendable {
    /// `s3:TestEvent`, sent when a bucket's notifications are configured.
    case test
    /// The event's records.
    case records([S3ObjectEvent])
    /// Not an S3 event at all.
    case unrecognized

    public static func parse(_ body: String) -> S3EventMessage {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { return .unrecognized }
        if object["Type"] as? String == "Notification", let inner = object["Message"] as? String { return parse(inner) }
        if object["Event"] as? String == "s3:TestEvent" { return .test }
        guard let records = object["Records"] as? [[String: Any]] else { return .unrecognized }
        return .records(records.compactMap(S3ObjectEvent.init(record:)))
    }
}

/// What Darkroom needs from one S3 event record. Only bucket, key, size and ETag are relied
/// on; the rest is optional, as moto and S3-compatible stores leave fields out.
public struct S3ObjectEvent: Equatable, Sendable {
    public var eventName: String
    public var bucket: String
    /// URL-decoded: S3 sends keys form-encoded (`+` for space, `%2F`…).
    public var key: String
    public var size: Int
    public var eTag: String
    public var eventTime: Date?

    public init(eventName: String, bucket: String, key: String, size: Int, eTag: String, eventTime: Date? = nil) {
        self.eventName = eventName
        self.bucket = bucket
        self.key = key
        self.size = size
        self.eTag = eTag
        self.eventTime = eventTime
    }

    init?(record: [String: Any]) {
        guard let s3 = record["s3"] as? [String: Any], let bucket = (s3["bucket"] as? [String: Any])?["name"] as? String,
            let object = s3["object"] as? [String: Any], let rawKey = object["key"] as? String
        else { return nil }
        self.init(
            eventName: record["eventName"] as? String ?? "", bucket: bucket,
            key: SigV4Encoding.percentDecode(rawKey.replacingOccurrences(of: "+", with: " ")), size: (object["size"] as? Int) ?? 0,
            eTag: ((object["eTag"] as? String) ?? (object["etag"] as? String) ?? "").replacingOccurrences(of: "\"", with: ""),
            eventTime: (record["eventTime"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
    }

    public var isObjectCreated: Bool { eventName.hasPrefix("ObjectCreated") }

    /// The drop this record announces, for `DropIngestor`; the ETag names its version.
    public var drop: DroppedObject {
        DroppedObject(bucket: bucket, key: key, version: eTag, isCreation: isObjectCreated)
    }

    /// The record as a one-record event, for splitting a message that carries several.
    public var asEventJSON: String {
        let key = SigV4Encoding.uriEncode(self.key, keepSlash: true)
        let record: [String: Any] = [
            "eventName": eventName, "s3": ["bucket": ["name": bucket], "object": ["key": key, "size": size, "eTag": eTag]],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: ["Records": [record]])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
