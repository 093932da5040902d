import Foundation
import Pipeline
import PostgresNIO

extension PostgresStore {
    static let idempotencyLifetime: Double = 24 * 3600

    public func claimIdempotencyKey(_ key: String, fingerprint: String) async throws -> IdempotencyClaim {
        let now = Self.now()
        return try await transaction { connection in
            try await self.rows("DELETE FROM idempotency_keys WHERE created_at < \(now - Self.idempotencyLifetime)", on: connection)
            // Insert first, so two claims of a new key race on the primary key, not on a read.
            let inserted = try await self.rows(
                """
                INSERT INTO idempotency_keys (key, image_ids, created_at, fingerprint) VALUES (\(key), NULL, \(now), \(fingerprint))
                ON CONFLICT (key) DO NOTHING RETURNING key
                """, on: connection)
            if !inserted.isEmpty { return .claimed }
            guard let row = try await self.rows("SELECT image_ids, fingerprint FROM idempotency_keys WHERE key = \(key)", on: connection).first
            else { return .inProgress }
            guard try row[1].decode(String?.self) == fingerprint else { return .mismatch }
            guard let ids = try row[0].decode(String?.self) else { return .inProgress }
            return .completed(ids.split(separator: ",").map(String.init))
        }
    }

    public func completeIdempotencyKey(_ key: String, imageIDs: [String]) async throws {
        try await rows("UPDATE idempotency_keys SET image_ids = \(imageIDs.joined(separator: ",")) WHERE key = \(key)")
    }

    public func releaseIdempotencyKey(_ key: String) async throws {
        try await rows("DELETE FROM idempotency_keys WHERE key = \(key) AND image_ids IS NULL")
    }
}
