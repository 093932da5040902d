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
