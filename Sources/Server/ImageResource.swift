import Foundation
import Hummingbird
import Pipeline

/// The image object the API returns. Field names are fixed: clients depend on them.
struct ImageResource: ResponseEncodable, Codable, Sendable {
    struct Variant: Codable, Sendable {
        var name: String
        var url: String
        var width: Int
        var height: Int
        var bytes: Int
        var format: String
        var contentType: String
    }

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
        variants = Self.variants(record.variants, id: record.id, links: links)
    }

    /// Variant URLs, as `BlobLinks` makes them.
    static func variants(_ records: [VariantRecord], id: String, links: BlobLinks) -> [Variant] {
        records.map {
            Variant(
                name: $0.name, url: links.url(path: "/api/images/\(id)/variants/\($0.name)", key: $0.key), width: $0.width, height: $0.height,
                bytes: $0.bytes, format: $0.format, contentType: $0.contentType)
        }
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
