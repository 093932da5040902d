import BlockingWork
import Foundation
import Logging
import Pipeline
import PostgresNIO
import ServiceLifecycle

/// Image records, the job queue and the status feed in PostgreSQL, shared by any number of API
/// and worker processes on any number of machines.
///
/// - The queue is one table. A claim is one `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP
///   LOCKED)` that commits at once, so workers never wait on each other's claims. The lease is
///   `visible_at`: a crashed worker's job returns when it passes, and `extendLease` (the
///   worker's heartbeat) pushes it on while a long job runs.
/// - Acknowledging, retrying and dead-lettering are fenced on the lease token: a worker whose
///   lease was taken over changes nothing.
/// - A record and its job commit in one transaction (`TransactionalRecordsAndJobs`).
/// - Status changes are logged by a trigger in the transaction that makes them, in commit order,
///   and announced with NOTIFY; new jobs are announced too (`PostgresListener`).
///
/// `client` must be running (it is a lifecycle service, in `Backends.services`) before any
/// query.
public final class PostgresStore: Sendable {
    public let client: PostgresClient
    public let settings: PostgresSettings
    let logger: Logger
    private let started = StartSignal()

    /// The pool as a lifecycle service. Run it (and only it: never `client.run()` besides) before
    /// any query; `waitUntilRunning` lets a prepare step start only once it is.
    public var service: some Service { ClientService(client: client, started: started) }

    struct ClientService: Service {
        let client: PostgresClient
        let started: StartSignal
        func run() async throws {
            await started.signal()
            await client.run()
        }
    }

    /// Returns once `service` is running.
    public func waitUntilRunning() async {
        await started.wait()
        await Task.yield()
    }

    /// How long a statement may wait, for a connection and for its answer, before it fails: the
    /// pool retries a server that is down for ever, and an upload or `/readyz` must not.
    public let statementTimeout: Duration

    /// The deadline a service uses unless told otherwise.
    public static let defaultStatementTimeout: Duration = .seconds(10)

    public init(settings: PostgresSettings, statementTimeout: Duration = defaultStatementTimeout, logger: Logger = Logger(label: "darkroom.postgres"))
        throws
    {
        self.settings = settings
        self.statementTimeout = statementTimeout
        self.logger = logger
        client = PostgresClient(configuration: try settings.clientConfiguration(), backgroundLogger: logger)
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    /// The schema version this build knows.
    public static var schemaVersion: Int { PostgresSchema.version }

    /// Every row a query returns, or `UnreachableError` after `statementTimeout`.
    @discardableResult
    func rows(_ query: PostgresQuery, on connection: PostgresConnection? = nil) async throws -> [PostgresRandomAccessRow] {
        if connection != nil { return try await collect(query, on: connection) }  // inside a transaction, which has its deadline
        return try await withDeadline { try await self.collect(query, on: nil) }
    }

    /// `body` in one transaction, or `UnreachableError` after `statementTimeout`.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await withDeadline { try await self.client.withTransaction(logger: self.logger) { try await body($0) } }
    }

    /// `work`, or `UnreachableError` after `statementTimeout`, even when `work` is stuck where
    /// cancellation does not reach (a query written to a connection as the server went away).
    func withDeadline<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let settings = self.settings
        let expired = UnreachableError(settings: settings, reason: "no answer within \(statementTimeout)")
        return try await BlockingWork.withDeadline(statementTimeout, orThrow: expired, work)
    }

    private func collect(_ query: PostgresQuery, on connection: PostgresConnection?) async throws -> [PostgresRandomAccessRow] {
        var result: [PostgresRandomAccessRow] = []
        let sequence: PostgresRowSequence
        if let connection {
            sequence = try await connection.query(query, logger: logger)
        } else {
            sequence = try await client.query(query, logger: logger)
        }
        for try await row in sequence { result.append(row.makeRandomAccess()) }
        return result
    }

    // MARK: The schema

    /// Applies the schema steps this database lacks, under an advisory lock so that two
    /// migrations never run at once.
    public func migrate() async throws {
        try await probe()
        await waitUntilRunning()
        try await transaction { connection in
            try await self.rows("SELECT pg_advisory_xact_lock(7242000)", on: connection)
            try await self.rows("CREATE TABLE IF NOT EXISTS darkroom_schema (version INTEGER NOT NULL)", on: connection)
            let current = try await self.rows("SELECT version FROM darkroom_schema", on: connection).first.map { try $0[0].decode(Int.self) }
            if current == nil { try await self.rows("INSERT INTO darkroom_schema (version) VALUES (0)", on: connection) }
            let version = current ?? 0
            guard version <= PostgresSchema.version else { throw SchemaError.newer(version, known: PostgresSchema.version) }
            for (index, step) in PostgresSchema.steps.enumerated() where index >= version {
                for statement in step { try await self.rows(PostgresQuery(unsafeSQL: statement), on: connection) }
                try await self.rows("UPDATE darkroom_schema SET version = \(index + 1)", on: connection)
            }
        }
    }

    /// Connects once on its own, so that a server that is down, refuses the password or has no
    /// such database is reported at once with its reason. (The pool would retry for ever.)
    public func probe(timeout: Duration? = nil) async throws {
        let timeout = timeout ?? statementTimeout
        let configuration = try settings.connectionConfiguration()
        let logger = self.logger
        let settings = self.settings
        try await BlockingWork.withDeadline(timeout, orThrow: UnreachableError(settings: settings, reason: "no answer within \(timeout)")) {
            do {
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
                try await connection.close()
            } catch {
                throw UnreachableError(settings: settings, reason: Self.reason(error))
            }
        }
    }

    /// PostgreSQL's own message when there is one (PSQLError hides it from `description`).
    static func reason(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        if let message = error.serverInfo?[.message] { return message }
        if let underlying = error.underlying { return String(describing: underlying) }
        return "\(error.code)"
    }

    /// PostgreSQL cannot be reached, or refused the connection.
    public struct UnreachableError: Error, CustomStringConvertible {
        public var settings: PostgresSettings
        public var reason: String
        public var description: String { "cannot connect to \(settings.description): \(reason)" }
    }

    /// Refuses a database whose schema this build does not know.
    public func checkSchema() async throws {
        try await probe()
        await waitUntilRunning()
        let exists = try await rows("SELECT to_regclass('darkroom_schema') IS NOT NULL").first.map { try $0[0].decode(Bool.self) } ?? false
        guard exists, let version = try await rows("SELECT version FROM darkroom_schema").first.map({ try $0[0].decode(Int.self) }) else {
            throw SchemaError.missing(settings.description)
        }
        if version < PostgresSchema.version { throw SchemaError.older(version, known: PostgresSchema.version, url: settings.description) }
        if version > PostgresSchema.version { throw SchemaError.newer(version, known: PostgresSchema.version) }
    }

    public enum SchemaError: Error, CustomStringConvertible, Equatable {
        case missing(String)
        case older(Int, known: Int, url: String)
        case newer(Int, known: Int)

        public var description: String {
            switch self {
            case .missing(let url):
                "the database has no Darkroom schema; run `darkroom migrate --metadata \(url)` first"
            case .older(let version, let known, let url):
                "the database's Darkroom schema is version \(version), this darkroom needs \(known); run `darkroom migrate --metadata \(url)`"
            case .newer(let version, let known):
                "the database's Darkroom schema is version \(version), newer than this darkroom knows (\(known)); run a newer darkroom"
            }
        }
    }
}

// MARK: Records

extension PostgresStore: MetadataStore, TransactionalRecordsAndJobs {
    static let columns =
        "id, filename, status, recipe, content_type, bytes, width, height, format, sha256, created_at, updated_at, completed_at, error, attempts, variants, original_key, generation, regions"

    static func insertQuery(_ r: ImageRecord) throws -> PostgresQuery {
        let variants = String(decoding: try JSONEncoder().encode(r.variants), as: UTF8.self)
        let regions = try ImageRegions.json(r.regions)
        return """
            INSERT INTO images (id, filename, status, recipe, content_type, bytes, width, height, format, sha256, created_at, updated_at,
                completed_at, error, attempts, variants, original_key, generation, regions)
            VALUES (\(r.id), \(r.filename), \(r.status.rawValue), \(r.recipe), \(r.contentType), \(r.bytes), \(r.width), \(r.height),
                \(r.format), \(r.sha256), \(r.createdAt.timeIntervalSince1970), \(r.updatedAt.timeIntervalSince1970),
                \(r.completedAt?.timeIntervalSince1970), \(r.error), \(r.attempts), \(variants), \(r.originalKey), \(r.generation), \(regions))
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

    public func list(status: ImageStatus?, limit: Int, after: String?) async throws -> [ImageRecord] {
        try await rows(
            """
            SELECT \(unescaped: Self.columns) FROM images
            WHERE (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue)) AND (\(after)::text IS NULL OR id < \(after))
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
        let now = Self.now()
        return
            !(try await rows(
                """
                UPDATE images SET status = 'COMPLETED', width = \(result.width), height = \(result.height), format = \(result.format),
                    variants = \(variants), completed_at = \(now), updated_at = \(now), error = NULL, regions = \(regions)
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
        UPDATE images SET status = 'PENDING', recipe = \(recipe), generation = generation + 1, variants = '[]', error = NULL,
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
        return record
    }

    // MARK: Idempotency

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

/// Set once; waiters return as soon as it is.
actor StartSignal {
    private var isSet = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func signal() {
        isSet = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }

    func wait() async {
        if isSet { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}
