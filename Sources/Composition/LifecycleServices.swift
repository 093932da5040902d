import Logging
import Pipeline
import ServiceLifecycle

/// The in-process workers as a lifecycle service. On graceful shutdown (SIGTERM) the workers
/// stop taking jobs; the job each holds is finished, and an unfinished one returns to the
/// queue when its lease expires.
struct WorkerService: Service {
    let worker: Worker
    let count: Int

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<max(1, count) { group.addTask { await worker.run() } }
            }
        }
    }
}

/// The status feed relay as a lifecycle service: it stops at graceful shutdown.
struct StatusFeedRelayService: Service {
    let relay: StatusFeedRelay

    func run() async throws {
        await cancelWhenGracefulShutdown { await relay.run() }
    }
}

extension Runtime {
    /// Runs only the workers (and webhook delivery, and the backends' clients) until SIGTERM or
    /// SIGINT: what `darkroom worker` does beside an API started with `--no-workers`.
    public func runWorkers(logger: Logger) async throws {
        try await run(services(workers: true, relay: false), logger: logger)
    }
}
