import Composition
import Foundation
import Hummingbird
import Imaging
import Pipeline

/// The image object the API returns. Field names are fixed: clients depend on them.
struct ImageResource: ResponseEncodable, Codable, Sendable {
    typealias Variant = VariantLink

    var id: String
    var filename: String
    var status: ImageStatus
    var recipe: String
    var contentType: String
    var bytes: Int
    var width: Int?
    var height: Int?
    var format: String?
    var sha256: String
    var createdAt: String
    var updatedAt: String
    var completedAt: String?
    var error: String?
    var attempts: Int
    var url: String
    var originalUrl: String
    var variants: [Variant]
    /// Faces found and boxes a person drew, in fractions of the upright image.
    var regions: [Region]
    /// The detector has run on this image (or a person replaced its regions).
    var facesDetected: Bool
    /// A person has reviewed the regions.
    var regionsReviewed: Bool
    /// What to paint before the image arrives (BlurHash, ThumbHash, colours, a tiny preview);
    /// null until completion, and when the recipe makes none.
    var placeholder: Placeholder?
    /// What the original is: dimensions, format, frames, colour, ICC profile, camera, exposure,
    /// taken-at, and whether it had a GPS position (the position only with `metadata.keepGps`).
    var facts: ImageFacts?

    init(_ record: ImageRecord, links: BlobLinks = BlobLinks()) {
        id = record.id
        filename = record.filename
        status = record.status
        recipe = record.recipe
        contentType = record.contentType
        bytes = record.bytes
        width = record.width
        height = record.height
        format = record.format
        sha256 = record.sha256
        createdAt = Self.timestamp(record.createdAt)
        updatedAt = Self.timestamp(record.updatedAt)
        completedAt = record.completedAt.map(Self.timestamp)
        error = record.error
        attempts = record.attempts
        url = "/api/images/\(record.id)"
        originalUrl = links.url(path: "/api/images/\(record.id)/original", key: record.originalKey)
        variants = VariantLink.list(record.variants, id: record.id, links: links)
        regions = record.regions.regions
        facesDetected = record.regions.facesDetected
        regionsReviewed = record.regions.reviewed
        placeholder = record.placeholder
        facts = record.facts
    }

    static func timestamp(_ date: Date) -> String {
        Timestamp.string(date)
    }
}

/// Several images, as answered to a multi-file upload.
struct ImageList: ResponseEncodable, Sendable {
    var images: [ImageResource]
}

/// A page of images, newest first.
struct ImagePage: ResponseEncodable, Sendable {
    var images: [ImageResource]
    var nextCursor: String?
}
