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

/// Takes uploads into the pipeline: probe each under the limits, store the original durably,
/// then commit the PENDING record and its job together. Only after all of that does the caller
/// answer the client. A failure at any step leaves neither a record nor an orphan blob.
///
/// The rules of one upload request live here, whatever its transport (HTTP body, S3 event):
/// - every file is checked before any is stored, so one bad file refuses the whole request;
/// - admission against the queue limit is atomic (`AdmissionGate`);
/// - an `Idempotency-Key` replays the first request's images, refuses a different request
///   with the same key, and never makes anything twice.
public struct Ingestor: Sendable {
    public let blobs: any BlobStore
    public let metadata: any MetadataStore
    /// Commits each record with its job: one transaction, or two compensated steps.
    public let committer: RecordCommitter
    public let catalog: RecipeCatalog
    public let limits: Limits
    /// Uploads are refused with 503 while the queue holds this many jobs.
    public let gate: AdmissionGate
    let pool: BlockingPool

    public init(
        blobs: any BlobStore, metadata: any MetadataStore, committer: RecordCommitter, catalog: RecipeCatalog, limits: Limits,
        maxQueueDepth: Int, pool: BlockingPool
    ) {
        self.blobs = blobs
        self.metadata = metadata
        self.committer = committer
        self.catalog = catalog
        self.limits = limits
        self.gate = AdmissionGate(maxDepth: maxQueueDepth)
        self.pool = pool
    }

    /// One file, no idempotency key.
    public func ingest(_ upload: Upload, recipe: String) async throws -> ImageRecord {
        try await ingest([upload], recipe: recipe, idempotencyKey: nil)[0]
    }

    /// Ingests the files of one request, all or none.
    public func ingest(_ uploads: [Upload], recipe: String, idempotencyKey: String?) async throws -> [ImageRecord] {
        guard catalog.recipe(named: recipe) != nil else { throw IngestError.unknownRecipe(recipe, known: catalog.names) }
        guard !uploads.isEmpty else { throw IngestError.noFiles }
        // Hashing runs on the blocking pool: a 100 MB body takes a while.
        let digests = try await pool.run { uploads.map { ContentDigest.sha256Hex($0.bytes) } }
        if let key = idempotencyKey {
            guard (1...255).contains(key.count) else { throw IngestError.badIdempotencyKey }
            let fingerprint = ContentDigest.sha256Hex(
                Array(([recipe] + zip(uploads, digests).map { "\($1) \(DisplayName.normalise($0.filename))" }).joined(separator: "\n").utf8))
            switch try await metadata.claimIdempotencyKey(key, fingerprint: fingerprint) {
            case .claimed: break
            case .inProgress: throw IngestError.idempotencyKeyInUse
            case .mismatch: throw IngestError.idempotencyKeyReused
            case .completed(let ids):
                var records: [ImageRecord] = []
                for id in ids { if let record = try await metadata.record(id: id) { records.append(record) } }
                guard !records.isEmpty else { throw IngestError.idempotentResultDeleted }
                return records
            }
        }
        do {
            var headers: [ImageHeader] = []
            for upload in uploads { headers.append(try await check(upload)) }
            try await gate.admit(uploads.count, queue: committer.queue)
            var records: [ImageRecord] = []
            do {
                for (upload, (header, digest)) in zip(uploads, zip(headers, digests)) {
                    records.append(try await store(upload, recipe: recipe, header: header, sha256: digest))
                }
            } catch {
                await gate.release(uploads.count)
                for record in records {
                    _ = try? await metadata.delete(id: record.id)
                    for prefix in BlobKeys.prefixes(id: record.id) { try? await blobs.delete(prefix: prefix) }
                }
                throw error
            }
            await gate.release(uploads.count)
            if let key = idempotencyKey { try await metadata.completeIdempotencyKey(key, imageIDs: records.map(\.id)) }
            return records
        } catch {
            if let key = idempotencyKey { try? await metadata.releaseIdempotencyKey(key) }
            throw error
        }
    }

    /// The bytes under the limits (format, size and pixels, from the header, and whole), without
    /// storing anything.
    @discardableResult
    public func check(_ upload: Upload) async throws -> ImageHeader {
        let limits = self.limits
        let bytes = upload.bytes
        do {
            return try await pool.run { try ImageSource.open(bytes, limits: limits).header }
        } catch let error as ImagingError {
            throw IngestError.refused(error.summary)
        }
    }

    /// Stores a checked upload: the original durably, then the record and its job together.
    func store(_ upload: Upload, recipe: String, header: ImageHeader, sha256: String) async throws -> ImageRecord {
        let bytes = upload.bytes
        let id = ImageID.generate()
        let key = BlobKeys.original(id: id, filename: upload.filename)
        let contentType = header.format.contentType
        try await blobs.put(key, bytes: bytes, contentType: contentType)
        var record = ImageRecord(
            id: id, filename: DisplayName.normalise(upload.filename), recipe: recipe, contentType: contentType, bytes: bytes.count,
            sha256: sha256, originalKey: key)
        record.width = header.orientedWidth
        record.height = header.orientedHeight
        record.format = header.format.rawValue
        do {
            try await committer.insert(record, job: Job(imageID: id, recipe: recipe, generation: record.generation))
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
