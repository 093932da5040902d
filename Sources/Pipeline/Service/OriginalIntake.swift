import BlockingWork
import Foundation
import Imaging

/// The steps every way in shares, so an image that arrives by upload and one dropped into a
/// bucket get the same record, filled the same way: the probe under the limits, the SHA-256
/// (off the cooperative pool), the content type by magic bytes, the display name, and the
/// original stored under `originals/<id>/`.
public struct OriginalIntake: Sendable {
    public let blobs: any BlobStore
    public let metadata: any MetadataStore
    public let limits: Limits
    let pool: BlockingPool

    public init(blobs: any BlobStore, metadata: any MetadataStore, limits: Limits, pool: BlockingPool) {
        self.blobs = blobs
        self.metadata = metadata
        self.limits = limits
        self.pool = pool
    }

    /// The bytes under the limits (format, size and pixels, from the header, and whole), without
    /// storing anything.
    public func check(_ bytes: [UInt8]) async throws -> ImageHeader {
        let limits = self.limits
        do {
            return try await pool.run { try ImageSource.open(bytes, limits: limits).header }
        } catch let error as ImagingError {
            throw IngestError.refused(error)
        }
    }

    /// SHA-256 digests, hex, computed on the blocking pool: a 100 MB body takes a while.
    public func digests(_ files: [[UInt8]]) async throws -> [String] {
        try await pool.run { files.map(ContentDigest.sha256Hex) }
    }

    /// A new PENDING record for `bytes`. `header` is the probe's answer, nil when the probe
    /// refused the file (the record then carries what the magic bytes say, and the worker
    /// fails it with the probe's message).
    public func record(filename: String, recipe: String, bytes: [UInt8], size: Int? = nil, sha256: String, header: ImageHeader?) -> ImageRecord {
        let id = ImageID.generate()
        let contentType = (header?.format ?? ImageFormat.identify(Array(bytes.prefix(64))))?.contentType ?? "application/octet-stream"
        var record = ImageRecord(
            id: id, filename: DisplayName.normalise(filename), recipe: recipe, contentType: contentType, bytes: size ?? bytes.count,
            sha256: sha256, originalKey: BlobKeys.original(id: id, filename: filename))
        record.width = header?.orientedWidth
        record.height = header?.orientedHeight
        record.format = header?.format.rawValue
        return record
    }

    /// Stores the original durably, then commits the record with `commit`. When the commit
    /// fails the original is removed again: neither exists without the other.
    public func store(_ record: ImageRecord, bytes: [UInt8], commit: () async throws -> Void) async throws {
        try await blobs.put(record.originalKey, bytes: bytes, contentType: record.contentType)
        do {
            try await commit()
        } catch {
            try? await blobs.delete(prefix: BlobKeys.prefixes(id: record.id)[0])
            throw error
        }
    }
}

extension ImageFormat {
    /// The MIME type of a source in this format.
    public var contentType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .gif: "image/gif"
        case .heif: "image/heic"
        case .avif: "image/avif"
        case .tiff: "image/tiff"
        }
    }
}
