import Foundation
import Imaging
import Pipeline

/// The `regions` an upload or a review sends: a JSON list of boxes, each `{"x", "y", "width",
/// "height"}` in fractions (0 to 1) of the upright image, optionally with `kind` (`manual`, the
/// default, or `face`) and `score`. A bad list is a 422 naming the field; nothing is stored.
enum RegionsField {
    struct Box: Codable, Sendable {
        var x: Double
        var y: Double
        var width: Double
        var height: Double
        var kind: RegionKind?
        var score: Double?

        private enum CodingKeys: String, CodingKey { case x, y, width, height, kind, score }

        /// Optional fields may be left out, never sent as null.
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            x = try c.decode(Double.self, forKey: .x)
            y = try c.decode(Double.self, forKey: .y)
            width = try c.decode(Double.self, forKey: .width)
            height = try c.decode(Double.self, forKey: .height)
            kind = try RegionsField.optional(RegionKind.self, .kind, in: c)
            score = try RegionsField.optional(Double.self, .score, in: c)
        }
    }

    /// A key that may be absent but, when present, holds a value: `null` is refused.
    static func optional<T: Decodable, K: CodingKey>(_ type: T.Type, _ key: K, in c: KeyedDecodingContainer<K>) throws -> T? {
        guard c.contains(key) else { return nil }
        if try c.decodeNil(forKey: key) {
            throw DecodingError.valueNotFound(type, .init(codingPath: c.codingPath + [key], debugDescription: "null"))
        }
        return try c.decode(type, forKey: key)
    }

    /// The longest `regions` text read: a thousand boxes fit with room to spare.
    static let maxBytes = 256 * 1024

    static func invalid(_ field: String, _ message: String) -> APIError {
        APIError(.unprocessableContent, code: "invalid_regions", message: "\(field): \(message).")
    }

    /// The boxes of `text`; none when `text` is nil or empty.
    static func parse(_ text: String?, field: String) throws -> [Region] {
        guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return [] }
        guard text.utf8.count <= maxBytes else { throw invalid(field, "is \(text.utf8.count) bytes; the limit is \(maxBytes)") }
        let boxes: [Box]
        do {
            boxes = try JSONDecoder().decode([Box].self, from: Data(text.utf8))
        } catch {
            throw invalid(field, "must be a JSON list of {\"x\", \"y\", \"width\", \"height\"} objects, fractions (0 to 1) of the image")
        }
        return try regions(boxes, field: field)
    }

    /// Validated regions; an upload's boxes are `manual` unless they say otherwise.
    static func regions(_ boxes: [Box], field: String) throws -> [Region] {
        let regions = boxes.map { Region(x: $0.x, y: $0.y, width: $0.width, height: $0.height, kind: $0.kind ?? .manual, score: $0.score) }
        do {
            try Region.validate(regions)
        } catch let error as ImagingError {
            let index = regions.firstIndex { (try? $0.validate()) == nil }
            throw invalid(index.map { "\(field)[\($0)]" } ?? field, error.message)
        }
        return regions
    }
}
