import Foundation
import Imaging

/// One uploaded file.
public struct Upload: Sendable {
    public var filename: String
    public var bytes: [UInt8]

    public init(filename: String, bytes: [UInt8]) {
        self.filename = filename
        self.bytes = bytes
    }
}

/// Takes an upload into the pipeline: probe it under the limits, store the original durably,
/// then commit the PENDING record and its job together. Only after all of that does the caller
/// answer the client. A failure at any step leaves neither a record nor an orphan blob.
public struct Ingestor: Sendable {
    public let blobs: any BlobStore
    public let metadata: any MetadataStore
    public let queue: any JobQueue
    public let catalog: RecipeCatalog
    public let limits: Limits
    /// Uploads are refused with 503 while the queue holds more than this many jobs.
    public let maxQueueDepth: Int
    let pool: BlockingPool

    public init(
        blobs: any BlobStore, metadata: any MetadataStore, queue: any JobQueue, catalog: RecipeCatalog, limits: Limits,
        maxQueueDepth: Int, pool: BlockingPool
    ) {
        self.blobs = blobs
        self.metadata = metadata
        self.queue = queue
        self.catalog = catalog
        self.limits = limits
        self.maxQueueDepth = maxQueueDepth
        self.pool = pool
    }

    /// Everything that can refuse an upload, checked without storing anything: the recipe, the
    /// queue's depth, and the bytes under the limits (format, size and pixels, from the header).
    @discardableResult
    public func check(_ upload: Upload, recipe: String) async throws -> ImageHeader {
        guard catalog.recipe(named: recipe) != nil else { throw IngestError.unknownRecipe(recipe, known: catalog.names) }
        let depth = try await queue.depth()
        guard depth < maxQueueDepth else { throw IngestError.queueFull(depth: depth) }
        let limits = self.limits
        let bytes = upload.bytes
        do {
            return try await pool.run { try ImageSource.open(bytes, limits: limits).header }
        } catch let error as ImagingError {
            throw IngestError.refused(error.summary)
        }
    }

    /// `check`, then `store`.
    public func ingest(_ upload: Upload, recipe: String) async throws -> ImageRecord {
        try await store(upload, recipe: recipe, header: try await check(upload, recipe: recipe))
    }

    /// Stores an upload that `check` accepted, with the header `check` returned: the original
    /// durably, then the record and its job together.
    public func store(_ upload: Upload, recipe: String, header: ImageHeader) async throws -> ImageRecord {
        let bytes = upload.bytes
        let id = ImageID.generate()
        let key = BlobKeys.original(id: id, filename: upload.filename)
        let contentType = header.format.contentType
        try await blobs.put(key, bytes: bytes, contentType: contentType)
        var record = ImageRecord(
            id: id, filename: String(upload.filename.prefix(255)), recipe: recipe, contentType: contentType, bytes: bytes.count,
            sha256: ContentDigest.sha256Hex(bytes), originalKey: key)
        record.width = header.orientedWidth
        record.height = header.orientedHeight
        record.format = header.format.rawValue
        do {
            try await metadata.insert(record, enqueuing: Job(imageID: id, recipe: recipe, generation: record.generation), into: queue)
        } catch {
            try? await blobs.delete(prefix: BlobKeys.prefixes(id: id)[0])
            throw error
        }
        return record
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

extension ImagingError {
    /// How an upload's answer reports this error.
    public var summary: ImagingErrorSummary {
        let status =
            switch description {
            case "file_too_large": 413
            case "unsupported_format", "format_not_allowed": 415
            case "empty_input": 400
            default: isClientError ? 422 : 500
            }
        return ImagingErrorSummary(code: description, message: message, httpStatus: status)
    }
}
