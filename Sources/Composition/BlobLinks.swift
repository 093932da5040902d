import Foundation
import Imaging
import Pipeline
import URLDialects

/// How the API links to an original or a variant: straight to the bucket with a presigned URL
/// when storage is S3 and `s3.presignedLinks` is on; else through the API, signed when API keys
/// are on so an `<img>` tag can load it; else the plain API path.
public struct BlobLinks: Sendable {
    public var signer: URLSigner?
    public var direct: (@Sendable (String) -> String?)?

    public init(signer: URLSigner? = nil, direct: (@Sendable (String) -> String?)? = nil) {
        self.signer = signer
        self.direct = direct
    }

    public func url(path: String, key: String) -> String {
        direct?(key) ?? signer?.sign(path) ?? path
    }
}

/// A variant as the API, the event stream and webhooks show it.
public struct VariantLink: Codable, Sendable, Equatable {
    public var name: String
    public var url: String
    public var width: Int
    public var height: Int
    public var bytes: Int
    public var format: String
    public var contentType: String
    /// The quality `quality: auto` or `maxBytes` chose, and the SSIM it reached.
    public var quality: QualityChoice?

    /// Variant URLs, as `BlobLinks` makes them.
    public static func list(_ records: [VariantRecord], id: String, links: BlobLinks) -> [VariantLink] {
        records.map {
            VariantLink(
                name: $0.name, url: links.url(path: "/api/images/\(id)/variants/\($0.name)", key: $0.key), width: $0.width, height: $0.height,
                bytes: $0.bytes, format: $0.format, contentType: $0.contentType, quality: $0.quality)
        }
    }
}

/// The JSON the event stream and webhooks carry: {id, status, error, variants, regions,
/// placeholder}.
public enum EventPayload {
    public static func json(_ event: ImageEvent, links: BlobLinks) -> [UInt8] {
        struct Payload: Encodable {
            var id: String
            var status: ImageStatus
            var error: String?
            var variants: [VariantLink]
            /// On completion: the regions the variants were redacted with, in the API's shape.
            var regions: [Region]?
            var facesDetected: Bool?
            var regionsReviewed: Bool?
            /// On completion: what to paint before the image arrives.
            var placeholder: Placeholder?
            /// Set (true) only on the event of a deletion.
            var deleted: Bool?
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let variants = VariantLink.list(event.variants, id: event.id, links: links)
        return Array(
            (try? encoder.encode(
                Payload(
                    id: event.id, status: event.status, error: event.error, variants: variants, regions: event.regions?.regions,
                    facesDetected: event.regions?.facesDetected, regionsReviewed: event.regions?.reviewed, placeholder: event.placeholder,
                    deleted: event.deleted ? true : nil))) ?? Data())
    }
}
