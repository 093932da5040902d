import Foundation
import Pipeline

extension SQLiteStore: StatusFeed {
    public var statusFeed: (any StatusFeed)? { self }

    public func latestPosition() async throws -> Int64 {
        try await database.perform { db in try db.query("SELECT COALESCE(MAX(position), 0) FROM status_events").first?.first?.int.map(Int64.init) ?? 0
        }
    }

    public func changes(after position: Int64, limit: Int) async throws -> [StatusChange] {
        try await database.perform { db in
            try db.query(
                "SELECT position, image_id, status, deleted FROM status_events WHERE position > ? ORDER BY position LIMIT ?",
                [.integer(position), .integer(Int64(max(1, limit)))]
            ).compactMap { row in
                guard let position = row[0].int, let id = row[1].string, let status = row[2].string.flatMap(ImageStatus.init(rawValue:)) else {
                    return nil
                }
                return StatusChange(position: Int64(position), imageID: id, status: status, deleted: (row[3].int ?? 0) != 0)
            }
        }
    }

    public func prune(olderThan age: Duration) async throws {
        let cutoff = Self.now() - Double(age.components.seconds)
        _ = try await database.perform { db in try db.execute("DELETE FROM status_events WHERE at < ?", [.real(cutoff)]) }
    }
}
