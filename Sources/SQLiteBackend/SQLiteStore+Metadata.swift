import Foundation
import Imaging
import Pipeline

extension SQLiteStore: MetadataStore, TransactionalRecordsAndJobs {
    static let columns =
        "id, filename, status, recipe, content_type, bytes, width, height, format, sha256, created_at, updated_at, completed_at, error, attempts, variants, original_key, generation, regions, placeholder, facts"

    public func insert(_ record: ImageRecord) async throws {
        let values = try Self.values(of: record)
        try await database.perform { db in
            try db.execute(
                "INSERT INTO images (\(Self.columns)) VALUES (\(Array(repeating: "?", count: values.count).joined(separator: ", ")))", values)
        }
    }

    public func adopt(_ record: ImageRecord) async throws -> Bool {
        let values = try Self.values(of: record)
        let updates = Self.columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0 != "id" }
            .map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        return try await database.perform { db in
            try db.execute(
                """
                INSERT INTO images (\(Self.columns)) VALUES (\(Array(repeating: "?", count: values.count).joined(separator: ", ")))
                ON CONFLICT(id) DO UPDATE SET \(updates) WHERE images.status = 'PENDING' AND images.attempts = 0
                """, values) == 1
        }
    }

    /// The record and its job in one transaction.
    public func insertCommitting(_ record: ImageRecord, job: Job) async throws {
        let values = try Self.values(of: record)
        try await database.perform { db in
            try db.transaction {
                try db.execute(
                    "INSERT INTO images (\(Self.columns)) VALUES (\(Array(repeating: "?", count: values.count).joined(separator: ", ")))", values)
                try Self.enqueue(job, on: db)
            }
        }
    }

    public func record(id: String) async throws -> ImageRecord? {
        try await database.perform { db in
            try db.query("SELECT \(Self.columns) FROM images WHERE id = ?", [.text(id)]).first.map(Self.record(from:))
        }
    }

    public func list(status: ImageStatus?, limit: Int, after: String?, matching filter: FactsFilter) async throws -> [ImageRecord] {
        let parameters: [SQLiteValue] = [status?.rawValue, after, nil, filter.format, filter.takenFrom, filter.takenBefore].enumerated().map {
            $0.offset == 2 ? .integer(Int64(max(limit, 0))) : $0.element.map { .text($0) } ?? .null
        }
        return try await database.perform { db in
            try db.query(
                """
                SELECT \(Self.columns) FROM images WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR id < ?2)
                AND (?4 IS NULL OR format = ?4) AND (?5 IS NULL OR taken_at >= ?5) AND (?6 IS NULL OR taken_at < ?6)
                ORDER BY id DESC LIMIT ?3
                """,
                parameters
            ).map(Self.record(from:))
        }
    }

    public func markProcessing(id: String, generation: Int, attempts: Int) async throws -> Bool {
        try await database.perform { db in
            try db.execute(
                "UPDATE images SET status = 'PROCESSING', attempts = ?, updated_at = ? WHERE id = ? AND generation = ? AND status IN ('PENDING', 'PROCESSING')",
                [.integer(Int64(attempts)), .real(Self.now()), .text(id), .integer(Int64(generation))]) == 1
        }
    }

    public func complete(id: String, generation: Int, attempt: Int, with result: CompletedImage) async throws -> Bool {
        let variants = String(decoding: try JSONEncoder().encode(result.variants), as: UTF8.self)
        let regions = try ImageRegions.json(result.regions)
        let placeholder: SQLiteValue = try ColumnJSON.encode(result.placeholder).map { .text($0) } ?? .null
        let facts: SQLiteValue = try ColumnJSON.encode(result.facts).map { .text($0) } ?? .null
        let taken: SQLiteValue = FactsFilter.takenKey(result.facts).map { .text($0) } ?? .null
        return try await database.perform { db in
            let now = Self.now()
            return try db.execute(
                """
                UPDATE images SET status = 'COMPLETED', width = ?, height = ?, format = ?, variants = ?, completed_at = ?, updated_at = ?, error = NULL,
                regions = ?, placeholder = ?, facts = ?, taken_at = ?
                WHERE id = ? AND generation = ? AND status = 'PROCESSING' AND attempts = ?
                """,
                [
                    .integer(Int64(result.width)), .integer(Int64(result.height)), .text(result.format), .text(variants), .real(now), .real(now),
                    .text(regions), placeholder, facts, taken, .text(id),
                    .integer(Int64(generation)), .integer(Int64(attempt)),
                ]) == 1
        }
    }

    public func fail(id: String, generation: Int, error: String) async throws -> Bool {
        try await database.perform { db in
            let now = Self.now()
            return try db.execute(
                "UPDATE images SET status = 'FAILED', error = ?, completed_at = ?, updated_at = ? WHERE id = ? AND generation = ? AND status IN ('PENDING', 'PROCESSING')",
                [.text(error), .real(now), .real(now), .text(id), .integer(Int64(generation))]) == 1
        }
    }

    public func setRegions(id: String, regions: ImageRegions) async throws -> Bool {
        let json = try ImageRegions.json(regions)
        return try await database.perform { db in
            try db.execute("UPDATE images SET regions = ?, updated_at = ? WHERE id = ?", [.text(json), .real(Self.now()), .text(id)]) == 1
        }
    }

    public func restart(id: String, recipe: String) async throws -> ImageRecord? {
        try await database.perform { db in try Self.restart(id: id, recipe: recipe, on: db) }
    }

    /// The new generation and its job in one transaction.
    public func restartCommitting(id: String, recipe: String) async throws -> ImageRecord? {
        try await database.perform { db in
            try db.transaction {
                guard let record = try Self.restart(id: id, recipe: recipe, on: db) else { return nil }
                try Self.enqueue(Job(imageID: id, recipe: recipe, generation: record.generation), on: db)
                return record
            }
        }
    }

    public func delete(id: String) async throws -> ImageRecord? {
        try await database.perform { db in
            try db.transaction {
                guard let row = try db.query("SELECT \(Self.columns) FROM images WHERE id = ?", [.text(id)]).first else { return nil }
                try db.execute("DELETE FROM images WHERE id = ?", [.text(id)])
                try db.execute("DELETE FROM jobs WHERE image_id = ?", [.text(id)])
                return try Self.record(from: row)
            }
        }
    }

    static func restart(id: String, recipe: String, on db: SQLiteConnection) throws -> ImageRecord? {
        let changed = try db.execute(
            """
            UPDATE images SET status = 'PENDING', recipe = ?, generation = generation + 1, variants = '[]', placeholder = NULL, error = NULL,
            completed_at = NULL, attempts = 0, updated_at = ? WHERE id = ?
            """, [.text(recipe), .real(now()), .text(id)])
        guard changed == 1 else { return nil }
        return try db.query("SELECT \(columns) FROM images WHERE id = ?", [.text(id)]).first.map(record(from:))
    }

    static func values(of r: ImageRecord) throws -> [SQLiteValue] {
        let variants = String(decoding: try JSONEncoder().encode(r.variants), as: UTF8.self)
        func optional(_ v: Int?) -> SQLiteValue { v.map { .integer(Int64($0)) } ?? .null }
        let placeholder: SQLiteValue = try ColumnJSON.encode(r.placeholder).map { .text($0) } ?? .null
        let facts: SQLiteValue = try ColumnJSON.encode(r.facts).map { .text($0) } ?? .null
        return [
            .text(r.id), .text(r.filename), .text(r.status.rawValue), .text(r.recipe), .text(r.contentType), .integer(Int64(r.bytes)),
            optional(r.width), optional(r.height), r.format.map { .text($0) } ?? .null, .text(r.sha256),
            .real(r.createdAt.timeIntervalSince1970), .real(r.updatedAt.timeIntervalSince1970),
            r.completedAt.map { .real($0.timeIntervalSince1970) } ?? .null, r.error.map { .text($0) } ?? .null,
            .integer(Int64(r.attempts)), .text(variants), .text(r.originalKey), .integer(Int64(r.generation)),
            .text(try ImageRegions.json(r.regions)), placeholder, facts,
        ]
    }

    static func record(from row: [SQLiteValue]) throws -> ImageRecord {
        var record = ImageRecord(
            id: row[0].string ?? "", filename: row[1].string ?? "", recipe: row[3].string ?? "", contentType: row[4].string ?? "",
            bytes: row[5].int ?? 0, sha256: row[9].string ?? "", originalKey: row[16].string ?? "",
            createdAt: Date(timeIntervalSince1970: row[10].double ?? 0))
        record.status = ImageStatus(rawValue: row[2].string ?? "") ?? .failed
        record.width = row[6].int
        record.height = row[7].int
        record.format = row[8].string
        record.updatedAt = Date(timeIntervalSince1970: row[11].double ?? 0)
        record.completedAt = row[12].double.map(Date.init(timeIntervalSince1970:))
        record.error = row[13].string
        record.attempts = row[14].int ?? 0
        record.variants = try JSONDecoder().decode([VariantRecord].self, from: Data((row[15].string ?? "[]").utf8))
        record.generation = row[17].int ?? 1
        record.regions = try ImageRegions(json: row[18].string)
        record.placeholder = ColumnJSON.decode(Placeholder.self, row[19].string)
        record.facts = ColumnJSON.decode(ImageFacts.self, row[20].string)
        return record
    }
}
