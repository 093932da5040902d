import Logging
import PostgresNIO
import ServiceLifecycle

/// LISTEN on one dedicated connection (the pool cannot listen), calling each channel's handler
/// for every NOTIFY: `darkroom_jobs` wakes idle workers, `darkroom_status` wakes the status
/// feed relay. It reconnects when the connection drops; polling covers the gap.
public struct PostgresListener: Service {
    let settings: PostgresSettings
    let handlers: [String: @Sendable () async -> Void]
    let logger: Logger

    public init(settings: PostgresSettings, handlers: [String: @Sendable () async -> Void], logger: Logger = Logger(label: "darkroom.postgres")) {
        self.settings = settings
        self.handlers = handlers
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var failures = 0
            while !Task.isCancelled {
                do {
                    let connection = try await PostgresConnection.connect(
                        configuration: try settings.connectionConfiguration(), id: 1, logger: logger)
                    failures = 0
                    defer { Task { try? await connection.close() } }
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for (channel, handler) in handlers {
                            group.addTask {
                                try await connection.listen(on: channel) { notifications in
                                    for try await _ in notifications { await handler() }
                                }
                            }
                        }
                        try await group.next()
                        group.cancelAll()
                    }
                } catch {
                    if Task.isCancelled { return }
                    failures += 1
                    logger.warning("LISTEN connection lost; polling covers the gap", metadata: ["error": "\(String(reflecting: error))"])
                }
                try? await Task.sleep(for: .milliseconds(min(5000, 100 << min(failures, 6))))
            }
        }
    }
}
