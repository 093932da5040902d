import Foundation
import Imaging

/// One uploaded file.
public struct Upload: Sendable {
    public var filename: String
    public var bytes: [UInt8]
    /// Boxes the uploader marked to hide (licence plates, documents), in fractions of the upright image.
    public var regions: [Region]

    public init(filename: String, bytes: [UInt8], regions: [Region] = []) {
        self.filename = filename
        self.bytes = bytes
        self.regions = regions
    }
}

/// Takes uploads into the pipeline: probe each under the limits, store the original durably,
/// then commit the PENDING record and its job together. Only after all of that does the caller
/// answer the client. A failure at any step leaves neither a record nor an orphan blob.
///
/// The rules of one upload request live here, whatever carries it (HTTP now, any transport next);
/// objects dropped into a bucket come in through `DropIngestor`, over the same `OriginalIntake`:
/// - every file is checked before any is stored, so one bad file refuses the whole request;
/// - admission against the queue limit is atomic (`AdmissionGate`);
/// - an `Idempotency-Key` replays the first request's images, refuses a different request
///   with the same key, and never makes anything twice.
public struct Ingestor: Sendable {
    /// The probe, digest, record and original steps shared with S3 drops.
    public let intake: OriginalIntake
    /// Commits each record with its job: one transaction, or two compensated steps.
    public let committer: RecordCommitter
    public let catalog: RecipeCatalog
    /// Uploads are refused with 503 while the queue holds this many jobs.
    public let gate: AdmissionGate

    public init(intake: OriginalIntake, committer: RecordCommitter, catalog: RecipeCatalog, maxQueueDepth: Int) {
        self.intake = intake
        self.committer = committer
        self.catalog = catalog
        self.gate = AdmissionGate(maxDepth: maxQueueDepth)
    }

    public var metadata: any MetadataStore { intake.metadata }
    public var blobs: any BlobStore { intake.blobs }

    /// One file, no idempotency key.
    public func ingest(_ upload: Upload, recipe: String) async throws -> ImageRecord {
        try await ingest([upload], recipe: recipe, idempotencyKey: nil)[0]
    }

    /// Ingests the files of one request, all or none.
    public func ingest(_ uploads: [Upload], recipe: String, idempotencyKey: String?) async throws -> [ImageRecord] {
        guard catalog.recipe(named: recipe) != nil else { throw IngestError.unknownRecipe(recipe, known: catalog.names) }
        guard !uploads.isEmpty else { throw IngestError.noFiles }
        let digests = try await intake.digests(uploads.map(\.bytes))
        if let key = idempotencyKey {
            guard (1...255).contains(key.count) else { throw IngestError.badIdempotencyKey }
            let fingerprint = ContentDigest.sha256Hex(
                Array(
                    ([recipe]
                        + zip(uploads, digests).map {
                            "\($1) \(DisplayName.normalise($0.filename)) \($0.regions.map { "\($0.x),\($0.y),\($0.width),\($0.height)" })"
                        })
                        .joined(separator: "\n").utf8))
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
            for upload in uploads { headers.append(try await intake.check(upload.bytes)) }
            try await gate.admit(uploads.count, queue: committer.queue)
            var records: [ImageRecord] = []
            do {
                for (upload, (header, digest)) in zip(uploads, zip(headers, digests)) {
                    var record = intake.record(filename: upload.filename, recipe: recipe, bytes: upload.bytes, sha256: digest, header: header)
                    if !upload.regions.isEmpty { record.regions = .manual(upload.regions) }
                    try await intake.store(record, bytes: upload.bytes) {
                        try await committer.insert(record, job: Job(imageID: record.id, recipe: recipe, generation: record.generation))
                    }
                    records.append(record)
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
}
