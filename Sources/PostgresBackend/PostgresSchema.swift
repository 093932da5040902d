/// Darkroom's PostgreSQL schema, versioned in `darkroom_schema`. `darkroom migrate` applies the
/// steps a database lacks; `serve` and `worker` only check the version and refuse a database
/// they do not know, saying what to run.
enum PostgresSchema {
    /// Each step is a list of statements, applied in one transaction.
    static let steps: [[String]] = [
        [
            """
            CREATE TABLE images (
                id TEXT PRIMARY KEY, filename TEXT NOT NULL, status TEXT NOT NULL, recipe TEXT NOT NULL,
                content_type TEXT NOT NULL, bytes BIGINT NOT NULL, width INTEGER, height INTEGER, format TEXT,
                sha256 TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL,
                completed_at DOUBLE PRECISION, error TEXT, attempts INTEGER NOT NULL, variants TEXT NOT NULL,
                original_key TEXT NOT NULL, generation INTEGER NOT NULL)
            """,
            "CREATE INDEX images_by_status ON images (status, id)",
            """
            CREATE TABLE jobs (
                id BIGSERIAL PRIMARY KEY, image_id TEXT NOT NULL, recipe TEXT NOT NULL, generation INTEGER NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0, visible_at DOUBLE PRECISION NOT NULL, lease_token TEXT,
                state TEXT NOT NULL DEFAULT 'ready', reason TEXT, created_at DOUBLE PRECISION NOT NULL)
            """,
            "CREATE INDEX jobs_ready ON jobs (state, visible_at, id)",
            "CREATE INDEX jobs_by_image ON jobs (image_id)",
            "CREATE TABLE idempotency_keys (key TEXT PRIMARY KEY, image_ids TEXT, created_at DOUBLE PRECISION NOT NULL, fingerprint TEXT)",
            """
            CREATE TABLE status_events (
                position BIGSERIAL PRIMARY KEY, image_id TEXT NOT NULL, status TEXT NOT NULL,
                deleted BOOLEAN NOT NULL DEFAULT false, at DOUBLE PRECISION NOT NULL)
            """,
            "CREATE INDEX status_events_by_time ON status_events (at)",
            // Every status change is logged in the transaction that makes it. The advisory lock,
            // held to the commit, makes positions commit in order, so a reader that has seen
            // position N never later finds a smaller one appear. Then LISTEN wakes every relay.
            """
            CREATE FUNCTION darkroom_status_event() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    PERFORM pg_advisory_xact_lock(7242001);
                    INSERT INTO status_events (image_id, status, deleted, at) VALUES (OLD.id, OLD.status, true, extract(epoch FROM clock_timestamp()));
                ELSIF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status OR NEW.generation IS DISTINCT FROM OLD.generation THEN
                    PERFORM pg_advisory_xact_lock(7242001);
                    INSERT INTO status_events (image_id, status, at) VALUES (NEW.id, NEW.status, NEW.updated_at);
                ELSE
                    RETURN NULL;
                END IF;
                PERFORM pg_notify('darkroom_status', '');
                RETURN NULL;
            END $$
            """,
            "CREATE TRIGGER images_status AFTER INSERT OR UPDATE OR DELETE ON images FOR EACH ROW EXECUTE FUNCTION darkroom_status_event()",
            // A new job wakes an idle worker in any process at once; polling stays as the safety net.
            """
            CREATE FUNCTION darkroom_job_ready() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('darkroom_jobs', '');
                RETURN NULL;
            END $$
            """,
            "CREATE TRIGGER jobs_ready_notify AFTER INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION darkroom_job_ready()",
        ],
        // Faces found and boxes a person drew (ImageRegions as JSON); NULL on older records.
        ["ALTER TABLE images ADD COLUMN regions TEXT"],
        // BlurHash, ThumbHash, colours and a tiny preview (Placeholder as JSON); NULL on older
        // records and when the recipe makes none.
        ["ALTER TABLE images ADD COLUMN placeholder TEXT"],
        // What the original is: header, colour, EXIF (ImageFacts as JSON); NULL on older records.
        ["ALTER TABLE images ADD COLUMN facts TEXT"],
        // When the photo was taken, as the camera's local time (FactsFilter.takenKey), for
        // listings by date; NULL when unknown.
        [
            "ALTER TABLE images ADD COLUMN taken_at TEXT", "CREATE INDEX images_by_taken_at ON images (taken_at)",
            "CREATE INDEX images_by_format ON images (format)",
        ],
    ]

    static var version: Int { steps.count }
}
