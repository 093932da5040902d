import Foundation
import Imaging

/// Reads the objects dropped into watched storage: the one thing a drop transport supplies
/// besides the events themselves.
public protocol DropReader: Sendable {
    /// The object's size and metadata, or nil when it no longer exists.
    func head(bucket: String, key: String) async throws -> DropHead?
    /// The object's bytes, or nil when it no longer exists.
    func read(bucket: String, key: String) async throws -> [UInt8]?
}

/// What a drop's header says: its size, and the record it was uploaded for, if any.
public struct DropHead: Sendable, Equatable {
    public var size: Int
    /// `x-amz-meta-image-id`: the id of a PENDING record the uploader wrote first.
    public var imageID: String?
    /// What names this version of the content (S3's ETag), when the store says.
    public var version: String?

    public init(size: Int, imageID: String? = nil, version: String? = nil) {
        self.size = size
        self.imageID = imageID
        self.version = version
    }
}

/// An object that appeared in watched storage, as its notification named it.
public struct DroppedObject: Sendable, Equatable {
    public var bucket: String
    /// The object's key, decoded.
    public var key: String
    /// Names the object's version (S3's ETag), so a redelivered notification is the same drop.
    public var version: String
    /// True for a creation (S3's `ObjectCreated:*`); other events are never ingested.
    public var isCreation: Bool

    public init(bucket: String, key: String, version: String, isCreation: Bool) {
        self.bucket = bucket
        self.key = key
        self.version = version
        self.isCreation = isCreation
    }

    public var location: String { "s3://\(bucket)/\(key)" }
}

/// The record an object names is no longer PENDING.
struct AlreadyUnderWay: Error {
    var id: String
}

/// Takes images dropped into a bucket into the pipeline. The rules live here, not in the
/// transport (S3 notifications in SQS):
/// - the recursion guard: nothing is ingested from the output location, which may never overlap
///   the input; nothing outside the input location; nothing but creations;
/// - idempotency on bucket, key and version: a redelivered or duplicated notification names the
///   image it already made, and nothing is made twice;
/// - the record is the one an upload gets (`OriginalIntake`): SHA-256, content type by magic
///   bytes, the original copied into the blob store, so the API serves it like any other.
///
/// Nobody waits on a drop for an answer, so a file the probe refuses is not turned away: it
/// gets its record and job like any other, and the worker fails it with the probe's message and
/// a FAILED notification. A file over `limits.maxBytes`, or under a key with `.`, `..` or empty
/// segments, is never downloaded; its record has no digest, and the worker fails it.
///
/// The job is the notification itself: the transport deletes it only once the worker is done,
/// so a record never waits for a job that was lost.
public struct DropIngestor: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Process this job; its record was just made.
        case job(Job)
        /// The object was taken in before (a repeated notification, a second backfill): its
        /// record exists, maybe finished, maybe still waiting for this job.
        case existing(Job)
        /// Nothing to do; the reason is for the log.
        case ignored(String)
        /// Another worker is ingesting the same object: look again shortly.
        case busy
    }

    public let input: BucketLocation
    public let output: BucketLocation
    public let recipe: String
    let intake: OriginalIntake
    let reader: any DropReader

    public init(intake: OriginalIntake, reader: any DropReader, input: BucketLocation, output: BucketLocation, recipe: String) throws {
        guard !input.overlaps(output) else { throw OverlappingLocationsError(input: input, output: output) }
        self.intake = intake
        self.reader = reader
        self.input = input
        self.output = output
        self.recipe = recipe
    }

    var metadata: any MetadataStore { intake.metadata }

    public func ingest(_ drop: DroppedObject) async throws -> Outcome {
        guard drop.isCreation else { return .ignored("\(drop.location) was not created") }
        if output.contains(bucket: drop.bucket, key: drop.key) { return .ignored("\(drop.location) is in the output location") }
        guard input.contains(bucket: drop.bucket, key: drop.key) else {
            return .ignored("\(drop.location) is outside the input location \(input)")
        }
        // A digest keeps the claim within the 255 characters a key may have; S3 keys reach 1024.
        let claim = "drop:" + ContentDigest.sha256Hex(Array("\(drop.bucket)\n\(drop.key)\n\(drop.version)".utf8))
        switch try await metadata.claimIdempotencyKey(claim, fingerprint: claim) {
        case .mismatch:
            return .ignored("a duplicate")
        case .inProgress:
            return .busy
        case .completed(let ids):
            // Seen before: the worker skips it if it is done, or finishes it if a crash interrupted it.
            guard let id = ids.first, let record = try await metadata.record(id: id) else { return .ignored("a duplicate of a deleted image") }
            return .existing(Job(imageID: id, recipe: record.recipe, generation: record.generation))
        case .claimed:
            do {
                guard let record = try await take(drop) else {
                    try await metadata.releaseIdempotencyKey(claim)
                    return .ignored("\(drop.location) no longer exists")
                }
                try await metadata.completeIdempotencyKey(claim, imageIDs: [record.id])
                return .job(Job(imageID: record.id, recipe: record.recipe, generation: record.generation))
            } catch {
                try? await metadata.releaseIdempotencyKey(claim)
                throw error
            }
        }
    }

    /// Reads, checks and stores the object; nil when it is gone.
    private func take(_ drop: DroppedObject) async throws -> ImageRecord? {
        guard let head = try await reader.head(bucket: drop.bucket, key: drop.key) else { return nil }
        // The uploader's own PENDING record, when the object names a valid one; any other
        // value is not an id this service could look up, and the drop gets an id of its own.
        let adopted = head.imageID.map { $0.lowercased() }.flatMap { ImageID.isValid($0) ? $0 : nil }
        if let adopted, let existing = try await metadata.record(id: adopted), existing.status != .pending || existing.attempts > 0 {
            return existing  // already under way or done: answered as it stands, never made twice
        }
        func record(_ bytes: [UInt8], sha256: String, header: ImageHeader?) -> ImageRecord {
            var record = intake.record(filename: drop.key, recipe: recipe, bytes: bytes, size: head.size, sha256: sha256, header: header)
            if let adopted {
                record.id = adopted
                record.originalKey = BlobKeys.original(id: adopted, filename: drop.key)
            }
            return record
        }
        func commit(_ record: ImageRecord) async throws {
            guard adopted != nil else { return try await metadata.insert(record) }
            guard try await metadata.adopt(record) else { throw AlreadyUnderWay(id: record.id) }
        }
        do {
            guard (try? BlobKeys.validate(drop.key)) != nil else {
                // A key with `.`, `..` or empty segments is never read: an HTTP layer that
                // normalises paths would read another object, perhaps an output. The record names
                // the key as given, which no blob store accepts, so the worker fails it.
                var unreadable = record([], sha256: "", header: nil)
                unreadable.originalKey = drop.key
                try await commit(unreadable)
                return unreadable
            }
            guard head.size <= intake.limits.maxFileBytes else {
                // The worker refuses it by size before reading: not worth a download.
                let oversized = record([], sha256: "", header: nil)
                try await commit(oversized)
                return oversized
            }
            guard let bytes = try await reader.read(bucket: drop.bucket, key: drop.key) else { return nil }
            let digest = try await intake.digests([bytes])[0]
            let header: ImageHeader?
            do {
                header = try await intake.check(bytes)
            } catch is IngestError {
                header = nil
            }
            let made = record(bytes, sha256: digest, header: header)
            if adopted != nil {
                // Not `intake.store`: a refused adoption must not remove the folder that the
                // record already there keeps its original in.
                try await intake.blobs.put(made.originalKey, bytes: bytes, contentType: made.contentType)
                try await commit(made)
            } else {
                try await intake.store(made, bytes: bytes) { try await commit(made) }
            }
            return made
        } catch let error as AlreadyUnderWay {
            // The record the object names is past PENDING (processed, failed, or under way from
            // another upload): it is answered as it stands, never made twice.
            return try await metadata.record(id: error.id)
        }
    }
}
