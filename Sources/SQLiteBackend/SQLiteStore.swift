import Foundation
import Pipeline

/// Image records and the job queue in one SQLite database, the embedded default. Because both
/// live in one database, a new record and its job are committed in one transaction.
public final class SQLiteStore: Sendable {
    let database: SQLiteDatabase

    /// The store over the database at `path`, with no I/O: nothing is opened until `prepare`
    /// (or the first statement) runs.
    public init(unopened path: String) {
        database = SQLiteDatabase(path: path)
    }

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    public convenience init(path: String) async throws {
        self.init(unopened: path)
        try await prepare()
    }

    /// Opens the database, creating it if needed, and brings its schema up to date: the step
    /// that runs before anything serves.
    public func prepare() async throws {
        try await database.perform { try SQLiteSchema.migrate($0) }
    }

    static func now() -> Double { Date().timeIntervalSince1970 }
}

/// The schema, versioned with `PRAGMA user_version`. Each step runs once, in order.
enum SQLiteSchema {
    static let steps: [String] = [
        """
        CREATE TABLE images (
            id TEXT PRIMARY KEY, filename TEXT NOT NULL, status TEXT NOT NULL, recipe TEXT NOT NULL,
            content_type TEXT NOT NULL, bytes INTEGER NOT NULL, width INTEGER, height INTEGER, format TEXT,
            sha256 TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL, completed_at REAL,
            error TEXT, attempts INTEGER NOT NULL, variants TEXT NOT NULL, original_key TEXT NOT NULL,
            generation INTEGER NOT NULL);
        CREATE INDEX images_by_status ON images(status, id);
        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT, image_id TEXT NOT NULL, recipe TEXT NOT NULL,
            generation INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, visible_at REAL NOT NULL,
            lease_token TEXT, state TEXT NOT NULL DEFAULT 'ready', reason TEXT, created_at REAL NOT NULL);
        CREATE INDEX jobs_ready ON jobs(state, visible_at, id);
        CREATE INDEX jobs_by_image ON jobs(image_id);
        """,
        """
        CREATE TABLE idempotency_keys (key TEXT PRIMARY KEY, image_ids TEXT, created_at REAL NOT NULL);
        """,
        // The status feed: every status change (and deletion) is logged by a trigger in the
        // transaction that makes it, so API processes hear changes made by other processes.
        """
        CREATE TABLE status_events (
            position INTEGER PRIMARY KEY AUTOINCREMENT, image_id TEXT NOT NULL, status TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0, at REAL NOT NULL);
        CREATE INDEX status_events_by_time ON status_events(at);
        CREATE TRIGGER images_status_inserted AFTER INSERT ON images BEGIN INSERT INTO status_events (image_id, status, at) VALUES (NEW.id, NEW.status, NEW.updated_at); END;
        CREATE TRIGGER images_status_updated AFTER UPDATE OF status, generation ON images WHEN NEW.status IS NOT OLD.status OR NEW.generation IS NOT OLD.generation BEGIN INSERT INTO status_events (image_id, status, at) VALUES (NEW.id, NEW.status, NEW.updated_at); END;
        CREATE TRIGGER images_deleted AFTER DELETE ON images BEGIN INSERT INTO status_events (image_id, status, deleted, at) VALUES (OLD.id, OLD.status, 1, (julianday('now') - 2440587.5) * 86400.0); END;
        """,
        // What request an Idempotency-Key was first used for.
        """
        ALTER TABLE idempotency_keys ADD COLUMN fingerprint TEXT;
        """,
        // Faces found and boxes a person drew (ImageRegions as JSON); NULL on records made
        // before, which means nothing is known yet.
        """
        ALTER TABLE images ADD COLUMN regions TEXT;
        """,
        // BlurHash, ThumbHash, colours and a tiny preview (Placeholder as JSON); NULL on
        // records made before, and when the recipe makes none.
        """
        ALTER TABLE images ADD COLUMN placeholder TEXT;
        """,
        // What the original is: header, colour, EXIF (ImageFacts as JSON); NULL on older records.
        """
        ALTER TABLE images ADD COLUMN facts TEXT;
        """,
        // When the photo was taken, as the camera's local time (FactsFilter.takenKey), for
        // listings by date; NULL when unknown.
        """
        ALTER TABLE images ADD COLUMN taken_at TEXT;
        CREATE INDEX images_by_taken_at ON images(taken_at);
        CREATE INDEX images_by_format ON images(format);
        """,
    ]

    static func migrate(_ db: SQLiteConnection) throws {
        let current = try db.query("PRAGMA user_version").first?.first?.int ?? 0
        for (index, step) in steps.enumerated() where index >= current {
            try db.transaction {
                // Statements end a line with `;`; a trigger's inner `;` is followed by ` END` on the same line.
                for statement in step.components(separatedBy: ";\n").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) })
                where !statement.isEmpty {
                    try db.execute(statement.hasSuffix(";") && !statement.hasSuffix("END;") ? String(statement.dropLast()) : statement)
                }
                try db.execute("PRAGMA user_version = \(index + 1)")
            }
        }
    }
}
