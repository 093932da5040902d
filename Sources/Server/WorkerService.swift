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

/// Runs only the workers (and webhook delivery) over these components until SIGTERM or SIGINT:
/// what `darkroom worker` does beside an API started with `--no-workers`.
public func runWorkers(_ components: ServiceComponents, logger: Logger) async throws {
    var services: [any Service] = [WorkerService(worker: try components.makeWorker(), count: components.configuration.workerCount)]
    if let webhooks = components.webhooks { services.append(webhooks) }
    let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
}
