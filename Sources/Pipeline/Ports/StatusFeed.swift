/// One status change, as a store's change log recorded it.
public struct StatusChange: Sendable, Equatable {
    /// The change's position in the log; later changes have larger positions.
    public var position: Int64
    public var imageID: String
    public var status: ImageStatus
    /// The record was deleted; `status` is the one it had.
    public var deleted: Bool

    public init(position: Int64, imageID: String, status: ImageStatus, deleted: Bool) {
        self.position = position
        self.imageID = imageID
        self.status = status
        self.deleted = deleted
    }
}

/// A durable log of every status change a metadata store commits, whichever process made it,
/// so that every API process's event stream reports every change. Declared by the stores that
/// have one (`MetadataStore.statusFeed`); SQLite records it with triggers in the same
/// transaction as the change.
public protocol StatusFeed: Sendable {
    /// The position of the newest change, or 0 when there is none: where a new reader starts.
    func latestPosition() async throws -> Int64
    /// Changes after `position`, oldest first, at most `limit`.
    func changes(after position: Int64, limit: Int) async throws -> [StatusChange]
    /// Forgets changes older than `age`.
    func prune(olderThan age: Duration) async throws
}
