import BlockingWork
import CSQLite
import Foundation

/// A value bound to or read from a statement.
public enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    var int: Int? { if case .integer(let v) = self { Int(v) } else { nil } }
    var double: Double? {
        switch self {
        case .real(let v): v
        case .integer(let v): Double(v)
        default: nil
        }
    }
    var string: String? { if case .text(let v) = self { v } else { nil } }
}

/// A SQLite error with the database's own message.
public struct SQLiteError: Error, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var description: String { "SQLite error \(code): \(message)" }
}

/// One SQLite connection. Statements run one at a time on a dedicated thread, never on Swift's
/// cooperative pool. The database is in WAL mode with `synchronous=FULL`, so a committed
/// transaction survives a crash or `kill -9`.
///
/// Making one does no I/O: the file is opened by the first statement, on the database's thread,
/// and an open that fails is that statement's error.
///
/// `@unchecked Sendable`: the connection handle is only touched inside `perform`, which runs on
/// a single-thread pool, so no two threads ever touch it at once.
public final class SQLiteDatabase: @unchecked Sendable {
    private var handle: OpaquePointer?
    private let pool = BlockingPool(threads: 1)
    public let path: String

    public init(path: String) {
        self.path = path
    }

    deinit {
        if let handle { sqlite3_close_v2(handle) }
    }

    /// The open connection; opens the file on first use. Only called on the database's thread.
    private func connection() throws -> SQLiteConnection {
        if let handle { return SQLiteConnection(handle: handle) }
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &db, flags, nil) == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "\(path): \(message)")
        }
        let connection = SQLiteConnection(handle: db)
        do {
            try connection.execute("PRAGMA journal_mode=WAL")
            try connection.execute("PRAGMA synchronous=FULL")
            try connection.execute("PRAGMA busy_timeout=5000")
        } catch {
            sqlite3_close(db)
            throw error
        }
        handle = db
        return connection
    }

    /// Runs `body` with the connection, on the database's thread.
    @discardableResult
    public func perform<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await pool.run { [self] in try body(self.connection()) }
    }
}

/// Statement execution on a connection. Only valid inside `SQLiteDatabase.perform`.
public struct SQLiteConnection {
    let handle: OpaquePointer

    /// Runs a statement; returns how many rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [SQLiteValue] = []) throws -> Int {
        _ = try query(sql, parameters)
        return Int(sqlite3_changes(handle))
    }

    /// Runs a statement and returns every row.
    public func query(_ sql: String, _ parameters: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else { throw error() }
        defer { sqlite3_finalize(statement) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (index, value) in parameters.enumerated() {
            let position = Int32(index + 1)
            let status: Int32 =
                switch value {
                case .null: sqlite3_bind_null(statement, position)
                case .integer(let v): sqlite3_bind_int64(statement, position, v)
                case .real(let v): sqlite3_bind_double(statement, position, v)
                case .text(let v): sqlite3_bind_text(statement, position, v, -1, transient)
                }
            guard status == SQLITE_OK else { throw error() }
        }
        var rows: [[SQLiteValue]] = []
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else { throw error() }
            rows.append(
                (0..<sqlite3_column_count(statement)).map { column in
                    switch sqlite3_column_type(statement, column) {
                    case SQLITE_INTEGER: .integer(sqlite3_column_int64(statement, column))
                    case SQLITE_FLOAT: .real(sqlite3_column_double(statement, column))
                    case SQLITE_NULL: .null
                    default: .text(String(cString: sqlite3_column_text(statement, column)))
                    }
                })
        }
        return rows
    }

    /// Runs `body` in one transaction: all of it is committed, or none of it.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
    }

    private func error() -> SQLiteError {
        SQLiteError(code: sqlite3_errcode(handle), message: String(cString: sqlite3_errmsg(handle)))
    }
}
