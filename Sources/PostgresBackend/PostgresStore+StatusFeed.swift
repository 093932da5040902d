import Foundation
import Pipeline
import PostgresNIO

// MARK: The status feed

extension PostgresStore: StatusFeed {
    public var statusFeed: (any StatusFeed)? { self }

    public func latestPosition() async throws -> Int64 {
        try await rows("SELECT COALESCE(MAX(position), 0)::bigint FROM status_events").first.map { try $0[0].decode(Int64.self) } ?? 0
    }

    public func changes(after position: Int64, limit: Int) async throws -> [StatusChange] {
        try await rows(
            "SELECT position, image_id, status, deleted FROM status_events WHERE position > \(position) ORDER BY position LIMIT \(max(1, limit))"
        ).compactMap { row in
            guard let status = ImageStatus(rawValue: try row[2].decode(String.self)) else { return nil }
            return StatusChange(
                position: try row[0].decode(Int64.self), imageID: try row[1].decode(String.self), status: status,
                deleted: try row[3].decode(Bool.self))
        }
    }

    public func prune(olderThan age: Duration) async throws {
        try await rows("DELETE FROM status_events WHERE at < \(Self.now() - Self.seconds(age))")
    }
}
