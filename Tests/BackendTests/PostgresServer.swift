import Foundation
import Testing

@testable import PostgresBackend

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway PostgreSQL cluster on 127.0.0.1, shared by the tests of this process: `initdb`
/// and `pg_ctl` from Debian's `postgresql` package, run as the `postgres` user in a temporary
/// directory, on a free port, its socket in that directory. A watcher shell stops it when the
/// test process ends, however it ends, and removes the directory.
actor PostgresServer {
    static let binaries = "/usr/lib/postgresql/15/bin"
    static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "\(binaries)/initdb")
            && FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser")
    }
    static let skipReason: Comment =
        "PostgreSQL 15 (Debian's postgresql, which make test installs) or root to run it is missing, so the PostgreSQL tests are skipped"

    static let shared = PostgresServer()
    private var starting: Task<Int, any Error>?

    /// The port of the running cluster, starting it on first use.
    func port() async throws -> Int {
        if let starting { return try await starting.value }
        let task = Task { try Self.start() }
        starting = task
        return try await task.value
    }

    /// A new, empty database on the shared cluster, as a URL.
    func freshDatabase() async throws -> String {
        let port = try await port()
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try Self.run([
            "/usr/sbin/runuser", "-u", "postgres", "--", "\(Self.binaries)/psql", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-c",
            "CREATE DATABASE \(name)",
        ])
        return "postgres://postgres@127.0.0.1:\(port)/\(name)?sslmode=disable"
    }

    /// A migrated store on a fresh database, its client running for the rest of the process. Its
    /// deadline is generous: under the whole suite on two cores a busy cluster can take longer than
    /// a service's ten seconds to answer, and that is load, not the behaviour under test.
    func freshStore() async throws -> PostgresStore {
        let store = try PostgresStore(
            settings: try PostgresSettings(url: try await freshDatabase(), environment: [:]), statementTimeout: .seconds(90))
        let service = store.service
        Task { try await service.run() }
        try await store.migrate()
        return store
    }

    static func start() throws -> Int {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try run(["/bin/chown", "postgres", directory])
        try run([
            "/usr/sbin/runuser", "-u", "postgres", "--", "\(binaries)/initdb", "-D", "\(directory)/data", "-U", "postgres", "-A", "trust", "-E",
            "UTF8", "--no-sync",
        ])
        let port = try MotoServer.freePort()
        try run([
            "/usr/sbin/runuser", "-u", "postgres", "--", "\(binaries)/pg_ctl", "-D", "\(directory)/data", "-l", "\(directory)/log", "-w", "-o",
            "-c listen_addresses=127.0.0.1 -p \(port) -k \(directory) -c fsync=off -c max_connections=200", "start",
        ])
        // Stop it when this process ends.
        let watcher = Process()
        watcher.executableURL = URL(fileURLWithPath: "/bin/sh")
        let pid = getpid()
        watcher.arguments = [
            "-c",
            "while kill -0 \(pid) 2>/dev/null && [ \"$(cut -d' ' -f3 /proc/\(pid)/stat 2>/dev/null)\" != Z ]; do sleep 1; done; "
                + "runuser -u postgres -- \(binaries)/pg_ctl -D \(directory)/data -m immediate stop >/dev/null 2>&1; rm -rf \(directory)",
        ]
        watcher.standardInput = FileHandle.nullDevice
        watcher.standardOutput = FileHandle.nullDevice
        watcher.standardError = FileHandle.nullDevice
        try watcher.run()
        return port
    }

    /// Runs a command to its end with `posix_spawn` and `waitpid`. (Foundation's `Process`
    /// never saw `runuser` exit here: it waits for SIGCHLD, which this test process may block.)
    static func run(_ arguments: [String]) throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-pg-run-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // A file, not a pipe: `pg_ctl start` leaves the server running with its descriptors.
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        guard posix_spawn(&pid, arguments[0], &actions, nil, argv, environ) == 0 else {
            throw PostgresSettingsError("cannot start \(arguments[0])")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard status == 0 else { throw PostgresSettingsError("\(arguments.joined(separator: " ")) failed (\(status)): \(text)") }
    }
}
