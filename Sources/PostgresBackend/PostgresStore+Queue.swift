import Foundation
import Pipeline
import PostgresNIO

// MARK: The queue

extension PostgresStore: JobQueue {
    public func enqueue(_ job: Job) async throws {
        try await rows(Self.enqueueQuery(job))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    public func lease(for visibility: Duration) async throws -> Lease? {
        let token = UUID().uuidString
        let now = Self.now()
        // One statement that commits at once: SKIP LOCKED lets concurrent claims pass each other.
        guard
            let row = try await rows(
                """
                UPDATE jobs SET lease_token = \(token), visible_at = \(now + Self.seconds(visibility)), attempts = attempts + 1
                WHERE id = (SELECT id FROM jobs WHERE state = 'ready' AND visible_at <= \(now) ORDER BY visible_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING id, image_id, recipe, generation, attempts
                """
            ).first
        else { return nil }
        let job = Job(imageID: try row[1].decode(String.self), recipe: try row[2].decode(String.self), generation: try row[3].decode(Int.self))
        return Lease(job: job, token: "\(try row[0].decode(Int.self)):\(token)", attempts: try row[4].decode(Int.self))
    }

    public func extendLease(_ lease: Lease, by visibility: Duration) async throws -> Bool {
        let (id, token) = try Self.parse(lease)
        return
            !(try await rows(
                "UPDATE jobs SET visible_at = \(Self.now() + Self.seconds(visibility)) WHERE id = \(id) AND lease_token = \(token) AND state = 'ready' RETURNING id"
            ).isEmpty)
    }

    public func acknowledge(_ lease: Lease) async throws {
        let (id, token) = try Self.parse(lease)
        try await rows("DELETE FROM jobs WHERE id = \(id) AND lease_token = \(token)")
    }

    public func retry(_ lease: Lease, after delay: Duration) async throws {
        let (id, token) = try Self.parse(lease)
        try await rows(
            "UPDATE jobs SET lease_token = NULL, visible_at = \(Self.now() + Self.seconds(delay)) WHERE id = \(id) AND lease_token = \(token)")
    }

    public func deadLetter(_ lease: Lease, reason: String) async throws {
        let (id, token) = try Self.parse(lease)
        try await rows("UPDATE jobs SET state = 'dead', reason = \(reason), lease_token = NULL WHERE id = \(id) AND lease_token = \(token)")
    }

    public func depth() async throws -> Int {
        try await rows("SELECT count(*) FROM jobs WHERE state = 'ready'").first.map { try $0[0].decode(Int.self) } ?? 0
    }

    /// Dead-lettered jobs, for inspection.
    public func deadLetters() async throws -> [(job: Job, reason: String)] {
        try await rows("SELECT image_id, recipe, generation, reason FROM jobs WHERE state = 'dead' ORDER BY id").map {
            (
                Job(imageID: try $0[0].decode(String.self), recipe: try $0[1].decode(String.self), generation: try $0[2].decode(Int.self)),
                try $0[3].decode(String?.self) ?? ""
            )
        }
    }

    static func parse(_ lease: Lease) throws -> (Int, String) {
        let parts = lease.token.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let id = Int(parts[0]) else { throw PostgresSettingsError("malformed lease token") }
        return (id, String(parts[1]))
    }
}
