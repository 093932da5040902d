import Foundation
import Pipeline

extension SQLiteStore {
    /// How long a key is remembered.
    static let idempotencyLifetime: Double = 24 * 3600

    public func claimIdempotencyKey(_ key: String, fingerprint: String) async throws -> IdempotencyClaim {
        try await database.perform { db in
            try db.transaction {
                let now = Self.now()
                try db.execute("DELETE FROM idempotency_keys WHERE created_at < ?", [.real(now - Self.idempotencyLifetime)])
                if let row = try db.query("SELECT image_ids, fingerprint FROM idempotency_keys WHERE key = ?", [.text(key)]).first {
                    guard row[1].string == fingerprint else { return .mismatch }
                    guard let ids = row[0].string else { return .inProgress }
                    return .completed(ids.split(separator: ",").map(String.init))
                }
                try db.execute(
                    "INSERT INTO idempotency_keys (key, image_ids, created_at, fingerprint) VALUES (?, NULL, ?, ?)",
                    [.text(key), .real(now), .text(fingerprint)])
                return .claimed
            }
        }
    }

    public func completeIdempotencyKey(_ key: String, imageIDs: [String]) async throws {
        try await database.perform { db in
            try db.execute("UPDATE idempotency_keys SET image_ids = ? WHERE key = ?", [.text(imageIDs.joined(separator: ",")), .text(key)])
        }
    }

    public func releaseIdempotencyKey(_ key: String) async throws {
        try await database.perform { db in
            try db.execute("DELETE FROM idempotency_keys WHERE key = ? AND image_ids IS NULL", [.text(key)])
        }
    }
}
