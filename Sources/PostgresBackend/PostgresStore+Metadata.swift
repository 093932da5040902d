import Foundation
import Imaging
import Pipeline
import PostgresNIO

// MARK: Records

extension PostgresStore: MetadataStore, TransactionalRecordsAndJobs {
    static let columns =
        "id, filename, status, recipe, content_type, bytes, width, height, format, sha256, created_at, updated_at, completed_at, error, attempts, variants, original_key, generation, regions, placeholder, facts"

    static func insertQuery(_ r: ImageRecord) throws -> PostgresQuery {
        let variants = String(decoding: try JSONEncoder().encode(r.variants), as: UTF8.self)
        let regions = try ImageRegions.json(r.regions)
        let placeholder = try ColumnJSON.encode(r.placeholder)
        let facts = try ColumnJSON.encode(r.facts)
        return """
            INSERT INTO images (id, filename, status, recipe, content_type, bytes, width, height, format, sha256, created_at, updated_at,
                completed_at, error, attempts, variants, original_key, generation, regions, placeholder, facts)
            VALUES (\(r.id), \(r.filename), \(r.status.rawValue), \(r.recipe), \(r.contentType), \(r.bytes), \(r.width), \(r.height),
                \(r.format), \(r.sha256), \(r.createdAt.timeIntervalSince1970), \(r.updatedAt.timeIntervalSince1970),
                \(r.completedAt?.timeIntervalSince1970), \(r.error), \(r.attempts), \(variants), \(r.originalKey), \(r.generation), \(regions),
                \(placeholder), \(facts))
            """
    }

    static func enqueueQuery(_ job: Job) -> PostgresQuery {
        let now = now()
        return
            "INSERT INTO jobs (image_id, recipe, generation, visible_at, created_at) VALUES (\(job.imageID), \(job.recipe), \(job.generation), \(now), \(now))"
    }

    public func insert(_ record: ImageRecord) async throws {
        try await rows(try Self.insertQuery(record))
    }

    public func adopt(_ record: ImageRecord) async throws -> Bool {
        let updates = Self.columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0 != "id" }
            .map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
        var query = try Self.insertQuery(record)
        query.sql += " ON CONFLICT (id) DO UPDATE SET \(updates) WHERE images.status = 'PENDING' AND images.attempts = 0 RETURNING id"
        return !(try await rows(query).isEmpty)
    }

    public func insertCommitting(_ record: ImageRecord, job: Job) async throws {
        let insert = try Self.insertQuery(record)
        try await transaction { connection in
            try await self.rows(insert, on: connection)
            try await self.rows(Self.enqueueQuery(job), on: connection)
        }
    }

    public func record(id: String) async throws -> ImageRecord? {
        try await rows("SELECT \(unescaped: Self.columns) FROM images WHERE id = \(id)").first.map(Self.record(from:))
    }

    public func list(status: ImageStatus?, limit: Int, after: String?, matching filter: FactsFilter) async throws -> [ImageRecord] {
        let (format, from, before) = (filter.format, filter.takenFrom, filter.takenBefore)
        return try await rows(
            """
            SELECT \(unescaped: Self.columns) FROM images
            WHERE (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue)) AND (\(after)::text IS NULL OR id < \(after))
            AND (\(format)::text IS NULL OR format = \(format)) AND (\(from)::text IS NULL OR taken_at >= \(from))
            AND (\(before)::text IS NULL OR taken_at < \(before))
            ORDER BY id DESC LIMIT \(max(limit, 0))
            """
        ).map(Self.record(from:))
    }

    public func markProcessing(id: String, generation: Int, attempts: Int) async throws -> Bool {
        !(try await rows(
            """
            UPDATE images SET status = 'PROCESSING', attempts = \(attempts), updated_at = \(Self.now())
            WHERE id = \(id) AND generation = \(generation) AND status IN ('PENDING', 'PROCESSING') RETURNING id
            """
        ).isEmpty)
    }

    public func complete(id: String, generation: Int, attempt: Int, with result: CompletedImage) async throws -> Bool {
        let variants = String(decoding: try JSONEncoder().encode(result.variants), as: UTF8.self)
        let regions = try ImageRegions.json(result.regions)
        let placeholder = try ColumnJSON.encode(result.placeholder)
        let facts = try ColumnJSON.encode(result.facts)
        let taken = FactsFilter.takenKey(result.facts)
        let now = Self.now()
        return
            !(try await rows(
                """
                UPDATE images SET status = 'COMPLETED', width = \(result.width), height = \(result.height), format = \(result.format),
                    variants = \(variants), completed_at = \(now), updated_at = \(now), error = NULL, regions = \(regions),
                    placeholder = \(placeholder), facts = \(facts), taken_at = \(taken)
                WHERE id = \(id) AND generation = \(generation) AND status = 'PROCESSING' AND attempts = \(attempt) RETURNING id
                """
            ).isEmpty)
    }

    public func fail(id: String, generation: Int, error: String) async throws -> Bool {
        let now = Self.now()
        return
            !(try await rows(
                """
                UPDATE images SET status = 'FAILED', error = \(error), completed_at = \(now), updated_at = \(now)
                WHERE id = \(id) AND generation = \(generation) AND status IN ('PENDING', 'PROCESSING') RETURNING id
                """
            ).isEmpty)
    }

    public func setRegions(id: String, regions: ImageRegions) async throws -> Bool {
        let json = try ImageRegions.json(regions)
        return !(try await rows("UPDATE images SET regions = \(json), updated_at = \(Self.now()) WHERE id = \(id) RETURNING id").isEmpty)
    }

    static func restartQuery(id: String, recipe: String) -> PostgresQuery {
        """
        UPDATE images SET status = 'PENDING', recipe = \(recipe), generation = generation + 1, variants = '[]', placeholder = NULL, error = NULL,
            completed_at = NULL, attempts = 0, updated_at = \(now()) WHERE id = \(id) RETURNING \(unescaped: columns)
        """
    }

    public func restart(id: String, recipe: String) async throws -> ImageRecord? {
        try await rows(Self.restartQuery(id: id, recipe: recipe)).first.map(Self.record(from:))
    }

    public func restartCommitting(id: String, recipe: String) async throws -> ImageRecord? {
        try await transaction { connection in
            guard let record = try await self.rows(Self.restartQuery(id: id, recipe: recipe), on: connection).first.map(Self.record(from:)) else {
                return nil
            }
            try await self.rows(Self.enqueueQuery(Job(imageID: id, recipe: recipe, generation: record.generation)), on: connection)
            return record
        }
    }

    public func delete(id: String) async throws -> ImageRecord? {
        try await transaction { connection in
            guard let record = try await self.rows("DELETE FROM images WHERE id = \(id) RETURNING \(unescaped: Self.columns)", on: connection).first
            else { return nil }
            try await self.rows("DELETE FROM jobs WHERE image_id = \(id)", on: connection)
            return try Self.record(from: record)
        }
    }

    static func record(from row: PostgresRandomAccessRow) throws -> ImageRecord {
        var record = ImageRecord(
            id: try row[0].decode(String.self), filename: try row[1].decode(String.self), recipe: try row[3].decode(String.self),
            contentType: try row[4].decode(String.self), bytes: try row[5].decode(Int.self), sha256: try row[9].decode(String.self),
            originalKey: try row[16].decode(String.self), createdAt: Date(timeIntervalSince1970: try row[10].decode(Double.self)))
        record.status = ImageStatus(rawValue: try row[2].decode(String.self)) ?? .failed
        record.width = try row[6].decode(Int?.self)
        record.height = try row[7].decode(Int?.self)
        record.format = try row[8].decode(String?.self)
        record.updatedAt = Date(timeIntervalSince1970: try row[11].decode(Double.self))
        record.completedAt = try row[12].decode(Double?.self).map(Date.init(timeIntervalSince1970:))
        record.error = try row[13].decode(String?.self)
        record.attempts = try row[14].decode(Int.self)
        record.variants = try JSONDecoder().decode([VariantRecord].self, from: Data(try row[15].decode(String.self).utf8))
        record.generation = try row[17].decode(Int.self)
        record.regions = try ImageRegions(json: try row[18].decode(String?.self))
        record.placeholder = ColumnJSON.decode(Placeholder.self, try row[19].decode(String?.self))
        record.facts = ColumnJSON.decode(ImageFacts.self, try row[20].decode(String?.self))
        return record
    }
}
