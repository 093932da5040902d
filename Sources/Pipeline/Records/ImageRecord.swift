import Foundation
import Imaging

/// One finished output of an image, as recorded.
public struct VariantRecord: Sendable, Codable, Equatable {
    public var name: String
    /// Where the bytes are in the blob store.
    public var key: String
    public var width: Int
    public var height: Int
    public var bytes: Int
    public var format: String
    public var contentType: String
    /// The quality `quality: auto` or `maxBytes` chose, and the SSIM it reached; nil for a
    /// variant encoded at a fixed quality.
    public var quality: QualityChoice?

    public init(
        name: String, key: String, width: Int, height: Int, bytes: Int, format: String, contentType: String, quality: QualityChoice? = nil
    ) {
        self.quality = quality
        self.name = name
        self.key = key
        self.width = width
        self.height = height
        self.bytes = bytes
        self.format = format
        self.contentType = contentType
    }
}

/// The metadata of one uploaded image.
public struct ImageRecord: Sendable, Codable, Equatable {
    public var id: String
    public var filename: String
    public var status: ImageStatus
    public var recipe: String
    /// What the upload's bytes are, by magic bytes.
    public var contentType: String
    public var bytes: Int
    public var width: Int?
    public var height: Int?
    public var format: String?
    public var sha256: String
    public var createdAt: Date
    public var updatedAt: Date
    public var completedAt: Date?
    public var error: String?
    public var attempts: Int
    public var variants: [VariantRecord]
    /// Where the original is in the blob store.
    public var originalKey: String
    /// Bumped by every reprocess, so a worker holding an older job cannot write over a newer one.
    public var generation: Int
    /// Faces found and boxes a person drew: what redaction hides.
    public var regions: ImageRegions = .none
    /// BlurHash, ThumbHash, colours and a tiny preview, made with the variants; nil before
    /// completion and when the recipe makes none.
    public var placeholder: Placeholder?
    /// The original's facts (dimensions, colour, frames, camera, exposure, taken-at; GPS only
    /// when kept), read by the run that completed it; nil before.
    public var facts: ImageFacts?

    public init(
        id: String, filename: String, recipe: String, contentType: String, bytes: Int, sha256: String, originalKey: String,
        createdAt: Date = Date()
    ) {
        self.id = id
        self.filename = filename
        self.status = .pending
        self.recipe = recipe
        self.contentType = contentType
        self.bytes = bytes
        self.sha256 = sha256
        self.createdAt = createdAt
        self.updatedAt = createdAt
        self.attempts = 0
        self.variants = []
        self.originalKey = originalKey
        self.generation = 1
    }
}
