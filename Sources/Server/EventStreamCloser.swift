import Pipeline
import ServiceLifecycle

/// Ends the open event streams when graceful shutdown begins, so the HTTP server's wait for
/// in-flight requests is not held up by clients that would listen forever.
struct EventStreamCloser: Service {
    let events: EventBroadcaster

    func run() async throws {
        try? await gracefulShutdown()
        events.close()
    }
}
