import Foundation
import Imaging

/// What a worker learned about the source and made from it.
public struct CompletedImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var format: String
    public var variants: [VariantRecord]
    /// The regions the variants were redacted with, faces found on this run included.
    public var regions: ImageRegions
    /// What a front end paints before the image arrives; nil when the recipe makes none.
    public var placeholder: Placeholder?
    /// What the source is (header, colour, EXIF); its GPS position only when `metadata.keepGps`.
    public var facts: ImageFacts?

    public init(
        width: Int, height: Int, format: String, variants: [VariantRecord], regions: ImageRegions = .none, placeholder: Placeholder? = nil,
        facts: ImageFacts? = nil
    ) {
        self.facts = facts
        self.width = width
        self.height = height
        self.format = format
        self.variants = variants
        self.regions = regions
        self.placeholder = placeholder
    }
}

/// Image records: SQLite, PostgreSQL or DynamoDB. Every state change is conditional on the
/// record's current status and generation, so a slow or stale worker can never move a record
/// backwards or write over a newer run.
public protocol MetadataStore: Sendable {
    /// Stores a new record on its own.
    func insert(_ record: ImageRecord) async throws

    /// Stores `record`, or puts it in the place of a record with its id that is still PENDING
    /// and was never attempted: a web app that writes the PENDING record first and then
    /// uploads the file with `x-amz-meta-image-id` (seed 002) gets that record completed, not a
    /// second one. False, changing nothing, when a record with the id exists in any other state.
    func adopt(_ record: ImageRecord) async throws -> Bool

    func record(id: String) async throws -> ImageRecord?

    /// Newest first. `after` is the id of the last record of the previous page; only records
    /// whose facts match `matching` (all when it is empty).
    func list(status: ImageStatus?, limit: Int, after: String?, matching: FactsFilter) async throws -> [ImageRecord]

    /// PENDING or PROCESSING → PROCESSING for `generation`, recording the attempt. False when the
    /// record is gone, final, or on another generation.
    func markProcessing(id: String, generation: Int, attempts: Int) async throws -> Bool

    /// PROCESSING → COMPLETED for `generation`, by the holder of `attempt` (the attempt
    /// `markProcessing` recorded). False when that move is not allowed, or when another worker
    /// has taken the job over since: a worker whose lease was lost cannot complete.
    func complete(id: String, generation: Int, attempt: Int, with result: CompletedImage) async throws -> Bool

    /// PENDING or PROCESSING → FAILED for `generation`. False when that move is not allowed.
    func fail(id: String, generation: Int, error: String) async throws -> Bool

    /// Replaces the image's regions (a person's review), whatever its status; `reprocess` then
    /// makes variants with them. False when there is no such record.
    func setRegions(id: String, regions: ImageRegions) async throws -> Bool

    /// Starts a new generation at PENDING with `recipe` and no variants, whatever the status was.
    /// Returns the record as it is now, or nil when there is no such record.
    func restart(id: String, recipe: String) async throws -> ImageRecord?

    /// Removes the record; returns it as it was, or nil when there was none.
    func delete(id: String) async throws -> ImageRecord?

    /// Claims an `Idempotency-Key` before an upload is processed, with the request's
    /// fingerprint: a later claim with another fingerprint is a `mismatch`. Claims older than a
    /// day lapse.
    func claimIdempotencyKey(_ key: String, fingerprint: String) async throws -> IdempotencyClaim

    /// Records which images the claimed key's upload made.
    func completeIdempotencyKey(_ key: String, imageIDs: [String]) async throws

    /// Gives a claim up after its upload failed, so the client may retry with the same key.
    func releaseIdempotencyKey(_ key: String) async throws

    /// The store's log of status changes from every process, when it keeps one. Without one,
    /// an event stream hears only the changes made in its own process.
    var statusFeed: (any StatusFeed)? { get }
}

/// What claiming an `Idempotency-Key` found.
public enum IdempotencyClaim: Sendable, Equatable {
    /// The key is new and now held by this request.
    case claimed
    /// Another request with this key is still being processed.
    case inProgress
    /// A request with this key already made these images.
    case completed([String])
    /// The key was first used for a different request (another file, recipe or body).
    case mismatch
}

extension MetadataStore {
    public var statusFeed: (any StatusFeed)? { nil }
}

extension MetadataStore {
    /// Newest first, whatever the facts.
    public func list(status: ImageStatus?, limit: Int, after: String?) async throws -> [ImageRecord] {
        try await list(status: status, limit: limit, after: after, matching: FactsFilter())
    }
}

/// A listing's filter on what images are: the original's format, and when it was taken.
///
/// Taken-at is compared as the camera's local time, `YYYY-MM-DDTHH:MM:SS`, the first 19
/// characters of `ImageFacts.takenAt` (EXIF times are local; an offset is there only sometimes).
/// `takenFrom` is inclusive and `takenBefore` exclusive; either may be a date or a date and time.
public struct FactsFilter: Sendable, Equatable {
    public var format: String?
    public var takenFrom: String?
    public var takenBefore: String?

    public init(format: String? = nil, takenFrom: String? = nil, takenBefore: String? = nil) {
        (self.format, self.takenFrom, self.takenBefore) = (format, takenFrom, takenBefore)
    }

    public var isEmpty: Bool { format == nil && takenFrom == nil && takenBefore == nil }

    /// What a store keeps to filter on: the local time, or nil.
    public static func takenKey(_ facts: ImageFacts?) -> String? {
        guard let taken = facts?.takenAt, taken.count >= 19 else { return nil }
        return String(taken.prefix(19))
    }

    /// A bound as a person writes it (`2024-05-06` or `2024-05-06T07:08:09`), or nil when it is
    /// neither.
    public static func bound(_ text: String) -> String? {
        guard text.range(of: #"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$"#, options: .regularExpression) != nil else {
            return nil
        }
        return text
    }

    /// Whether a record matches, for stores that filter in memory and for tests.
    public func matches(_ record: ImageRecord) -> Bool {
        if let format, record.format != format { return false }
        if takenFrom != nil || takenBefore != nil {
            guard let taken = Self.takenKey(record.facts) else { return false }
            if let takenFrom, taken < takenFrom { return false }
            if let takenBefore, taken >= takenBefore { return false }
        }
        return true
    }
}
