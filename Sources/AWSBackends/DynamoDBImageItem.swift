import Foundation
import Imaging
import Pipeline

/// An `ImageRecord` as a DynamoDB item. Besides the record's own fields, an item carries
/// `kind` (the partition key of the "all images by time" index) and, when the blobs are in S3,
/// the full `s3://` locations of the original and of each variant, as the seed systems kept.
enum DynamoDBImageItem {
    static func encode(_ record: ImageRecord, locate: (String) -> String?) -> [String: Any] {
        var item: [String: Any] = [
            "id": DynamoValue.s(record.id), "kind": DynamoValue.s("image"), "filename": DynamoValue.s(record.filename),
            "status": DynamoValue.s(record.status.rawValue), "recipe": DynamoValue.s(record.recipe), "contentType": DynamoValue.s(record.contentType),
            "bytes": DynamoValue.n(record.bytes), "sha256": DynamoValue.s(record.sha256),
            "createdAt": DynamoValue.s(Timestamp.string(record.createdAt)),
            "updatedAt": DynamoValue.s(Timestamp.string(record.updatedAt)), "attempts": DynamoValue.n(record.attempts),
            "variants": variants(record.variants, locate: locate), "originalKey": DynamoValue.s(record.originalKey),
            "generation": DynamoValue.n(record.generation),
        ]
        if let width = record.width { item["width"] = DynamoValue.n(width) }
        if let height = record.height { item["height"] = DynamoValue.n(height) }
        if let format = record.format { item["format"] = DynamoValue.s(format) }
        if let completedAt = record.completedAt { item["completedAt"] = DynamoValue.s(Timestamp.string(completedAt)) }
        if let error = record.error { item["error"] = DynamoValue.s(error) }
        if let location = locate(record.originalKey) { item["originalLocation"] = DynamoValue.s(location) }
        item["regions"] = regions(record.regions)
        if let placeholder = record.placeholder, let attribute = DynamoValue.attribute(placeholder) { item["placeholder"] = attribute }
        if let facts = record.facts, let attribute = DynamoValue.attribute(facts) { item["facts"] = attribute }
        return item
    }

    /// The regions as a map a console or a query can read: `boxes` (a list of maps with x, y,
    /// width, height, kind and score), `facesDetected` and `reviewed`.
    static func regions(_ regions: ImageRegions) -> [String: Any] {
        let boxes: [[String: Any]] = regions.regions.map { region in
            var map: [String: Any] = [
                "x": DynamoValue.n(region.x), "y": DynamoValue.n(region.y), "width": DynamoValue.n(region.width),
                "height": DynamoValue.n(region.height), "kind": DynamoValue.s(region.kind.rawValue),
            ]
            if let score = region.score { map["score"] = DynamoValue.n(score) }
            return ["M": map]
        }
        return ["M": ["boxes": ["L": boxes], "facesDetected": ["BOOL": regions.facesDetected], "reviewed": ["BOOL": regions.reviewed]]]
    }

    static func decodeRegions(_ item: [String: Any]) -> ImageRegions {
        guard let map = (item["regions"] as? [String: Any])?["M"] as? [String: Any] else { return .none }
        let boxes = DynamoValue.list(map, "boxes").compactMap { box -> Region? in
            guard let x = DynamoValue.double(box, "x"), let y = DynamoValue.double(box, "y"), let width = DynamoValue.double(box, "width"),
                let height = DynamoValue.double(box, "height")
            else { return nil }
            return Region(
                x: x, y: y, width: width, height: height, kind: DynamoValue.string(box, "kind").flatMap(RegionKind.init(rawValue:)) ?? .manual,
                score: DynamoValue.double(box, "score"))
        }
        return ImageRegions(
            regions: boxes, facesDetected: DynamoValue.bool(map, "facesDetected") ?? false, reviewed: DynamoValue.bool(map, "reviewed") ?? false)
    }

    static func variants(_ variants: [VariantRecord], locate: (String) -> String?) -> [String: Any] {
        [
            "L": variants.map { variant -> [String: Any] in
                var map: [String: Any] = [
                    "name": DynamoValue.s(variant.name), "key": DynamoValue.s(variant.key), "width": DynamoValue.n(variant.width),
                    "height": DynamoValue.n(variant.height), "bytes": DynamoValue.n(variant.bytes), "format": DynamoValue.s(variant.format),
                    "contentType": DynamoValue.s(variant.contentType),
                ]
                if let location = locate(variant.key) { map["location"] = DynamoValue.s(location) }
                if let quality = variant.quality, let attribute = DynamoValue.attribute(quality) { map["quality"] = attribute }
                return ["M": map]
            }
        ]
    }

    static func decode(_ item: [String: Any]) -> ImageRecord? {
        guard let id = DynamoValue.string(item, "id"), let status = DynamoValue.string(item, "status").flatMap(ImageStatus.init(rawValue:)) else {
            return nil
        }
        var record = ImageRecord(
            id: id, filename: DynamoValue.string(item, "filename") ?? "", recipe: DynamoValue.string(item, "recipe") ?? "default",
            contentType: DynamoValue.string(item, "contentType") ?? "application/octet-stream", bytes: DynamoValue.int(item, "bytes") ?? 0,
            sha256: DynamoValue.string(item, "sha256") ?? "", originalKey: DynamoValue.string(item, "originalKey") ?? "",
            createdAt: DynamoValue.string(item, "createdAt").flatMap(Timestamp.date) ?? Date(timeIntervalSince1970: 0))
        record.status = status
        record.updatedAt = DynamoValue.string(item, "updatedAt").flatMap(Timestamp.date) ?? record.createdAt
        record.completedAt = DynamoValue.string(item, "completedAt").flatMap(Timestamp.date)
        record.width = DynamoValue.int(item, "width")
        record.height = DynamoValue.int(item, "height")
        record.format = DynamoValue.string(item, "format")
        record.error = DynamoValue.string(item, "error")
        record.attempts = DynamoValue.int(item, "attempts") ?? 0
        record.generation = DynamoValue.int(item, "generation") ?? 1
        record.variants = DynamoValue.list(item, "variants").map { map in
            VariantRecord(
                name: DynamoValue.string(map, "name") ?? "", key: DynamoValue.string(map, "key") ?? "", width: DynamoValue.int(map, "width") ?? 0,
                height: DynamoValue.int(map, "height") ?? 0, bytes: DynamoValue.int(map, "bytes") ?? 0,
                format: DynamoValue.string(map, "format") ?? "",
                contentType: DynamoValue.string(map, "contentType") ?? "", quality: DynamoValue.decoded(QualityChoice.self, map, "quality"))
        }
        record.regions = decodeRegions(item)
        record.placeholder = DynamoValue.decoded(Placeholder.self, item, "placeholder")
        record.facts = DynamoValue.decoded(ImageFacts.self, item, "facts")
        return record
    }

}
