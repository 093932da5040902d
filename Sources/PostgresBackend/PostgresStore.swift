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
