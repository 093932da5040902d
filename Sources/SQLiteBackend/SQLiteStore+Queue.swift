import Foundation
import Pipeline

extension SQLiteStore: JobQueue {
    public func enqueue(_ job: Job) async throws {
        try await database.perform { db in try Self.enqueue(job, on: db) }
    }

    public func lease(for visibility: Duration) async throws -> Lease? {
        let token = UUID().uuidString
        let seconds = Double(visibility.components.seconds) + Double(visibility.components.attoseconds) / 1e18
        return try await database.perform { db in
            let now = Self.now()
            // One statement, so two workers can never lease the same job.
            let row = try db.query(
                """
                UPDATE jobs SET lease_token = ?1, visible_at = ?2, attempts = attempts + 1
                WHERE id = (SELECT id FROM jobs WHERE state = 'ready' AND visible_at <= ?3 ORDER BY visible_at, id LIMIT 1)
                RETURNING id, image_id, recipe, generation, attempts
                """, [.text(token), .real(now + seconds), .real(now)]
            ).first
            guard let row, let id = row[0].int else { return nil }
            let job = Job(imageID: row[1].string ?? "", recipe: row[2].string ?? "", generation: row[3].int ?? 1)
            return Lease(job: job, token: "\(id):\(token)", attempts: row[4].int ?? 1)
        }
    }

    public func extendLease(_ lease: Lease, by visibility: Duration) async throws -> Bool {
        let (id, token) = try Self.parse(lease)
        let seconds = Double(visibility.components.seconds) + Double(visibility.components.attoseconds) / 1e18
        return try await database.perform { db in
            try db.execute(
                "UPDATE jobs SET visible_at = ? WHERE id = ? AND lease_token = ? AND state = 'ready'",
                [.real(Self.now() + seconds), .integer(id), .text(token)]) == 1
        }
    }

    public func acknowledge(_ lease: Lease) async throws {
        let (id, token) = try Self.parse(lease)
        try await database.perform { db in
            try db.execute("DELETE FROM jobs WHERE id = ? AND lease_token = ?", [.integer(id), .text(token)])
        }
    }

    public func retry(_ lease: Lease, after delay: Duration) async throws {
        let (id, token) = try Self.parse(lease)
        let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
        try await database.perform { db in
            try db.execute(
                "UPDATE jobs SET lease_token = NULL, visible_at = ? WHERE id = ? AND lease_token = ?",
                [.real(Self.now() + seconds), .integer(id), .text(token)])
        }
    }

    public func deadLetter(_ lease: Lease, reason: String) async throws {
        let (id, token) = try Self.parse(lease)
        try await database.perform { db in
            try db.execute(
                "UPDATE jobs SET state = 'dead', reason = ?, lease_token = NULL WHERE id = ? AND lease_token = ?",
                [.text(reason), .integer(id), .text(token)])
        }
    }

    public func depth() async throws -> Int {
        try await database.perform { db in try db.query("SELECT count(*) FROM jobs WHERE state = 'ready'").first?.first?.int ?? 0 }
    }

    /// Dead-lettered jobs, for inspection.
    public func deadLetters() async throws -> [(job: Job, reason: String)] {
        try await database.perform { db in
            try db.query("SELECT image_id, recipe, generation, reason FROM jobs WHERE state = 'dead' ORDER BY id").map {
                (Job(imageID: $0[0].string ?? "", recipe: $0[1].string ?? "", generation: $0[2].int ?? 1), $0[3].string ?? "")
            }
        }
    }

    static func enqueue(_ job: Job, on db: SQLiteConnection) throws {
        let now = Self.now()
        try db.execute(
            "INSERT INTO jobs (image_id, recipe, generation, visible_at, created_at) VALUES (?, ?, ?, ?, ?)",
            [.text(job.imageID), .text(job.recipe), .integer(Int64(job.generation)), .real(now), .real(now)])
    }

    static func parse(_ lease: Lease) throws -> (Int64, String) {
        let parts = lease.token.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let id = Int64(parts[0]) else { throw SQLiteError(code: 0, message: "malformed lease token") }
        return (id, String(parts[1]))
    }
}
