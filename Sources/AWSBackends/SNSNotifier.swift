import Foundation
import Logging
import Pipeline

/// Publishes one JSON message per COMPLETED or FAILED image to an SNS topic, with `status` and
/// `recipe` message attributes so subscribers can filter. The message carries the seed systems'
/// fields: id, filename, status, recipe, timestamps, size, format, error, and each variant's
/// dimensions and location; and the regions (faces found, boxes drawn) as the API shows them.
///
/// Unlike webhooks, the publish is awaited: it is one API call, retried by the client, and a
/// worker acknowledges its job only after it, so a crash never loses a notification (subscribers
/// may see one twice).
public struct SNSNotifier: Notifier {
    public let client: SNSClient
    public let topicARN: String
    let metadata: any MetadataStore
    let locate: @Sendable (String) -> String?
    let logger: Logger

    public init(
        client: SNSClient, topicARN: String, metadata: any MetadataStore, locate: @escaping @Sendable (String) -> String? = { _ in nil },
        logger: Logger = Logger(label: "darkroom.sns")
    ) {
        self.client = client
        self.topicARN = topicARN
        self.metadata = metadata
        self.locate = locate
        self.logger = logger
    }

    public func notify(_ event: ImageEvent) async {
        guard event.status == .completed || event.status == .failed, !event.deleted else { return }
        guard let record = try? await metadata.record(id: event.id) else { return }
        do {
            try await client.publish(
                topicARN: topicARN, message: Self.message(record, event: event, locate: locate),
                subject: "Darkroom: \(record.filename) \(event.status.rawValue)",
                attributes: ["status": event.status.rawValue, "recipe": record.recipe])
        } catch {
            logger.error("SNS publish failed", metadata: ["image": "\(event.id)", "topic": "\(topicARN)", "error": "\(error)"])
        }
    }

    static func message(_ record: ImageRecord, event: ImageEvent, locate: (String) -> String?) -> String {
        let variants = (event.variants.isEmpty ? record.variants : event.variants).map { variant -> [String: Any] in
            var map: [String: Any] = [
                "name": variant.name, "key": variant.key, "width": variant.width, "height": variant.height, "bytes": variant.bytes,
                "format": variant.format,
            ]
            if let location = locate(variant.key) { map["location"] = location }
            return map
        }
        var object: [String: Any] = [
            "id": record.id, "filename": record.filename, "status": event.status.rawValue, "recipe": record.recipe, "bytes": record.bytes,
            "createdAt": Timestamp.string(record.createdAt), "updatedAt": Timestamp.string(record.updatedAt),
            "variants": variants,
        ]
        if let format = record.format { object["format"] = format }
        if let width = record.width, let height = record.height {
            object["width"] = width
            object["height"] = height
        }
        if let completedAt = record.completedAt { object["completedAt"] = Timestamp.string(completedAt) }
        if let error = event.error ?? record.error { object["error"] = error }
        if let location = locate(record.originalKey) { object["originalLocation"] = location }
        // The regions the variants were redacted with, in the API's shape.
        let regions = event.regions ?? record.regions
        if let json = try? JSONEncoder().encode(regions.regions), let list = try? JSONSerialization.jsonObject(with: json) {
            object["regions"] = list
            object["facesDetected"] = regions.facesDetected
            object["regionsReviewed"] = regions.reviewed
        }
        if let placeholder = event.placeholder ?? record.placeholder, let json = try? JSONEncoder().encode(placeholder),
            let map = try? JSONSerialization.jsonObject(with: json)
        {
            object["placeholder"] = map
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
