import Foundation

/// The in-process event stream: every status change goes to every current subscriber (the SSE
/// endpoint, tests). A slow subscriber loses its oldest undelivered events rather than slowing
/// the workers down.
///
/// `@unchecked Sendable`: `subscribers` is only touched with `lock` held.
public final class EventBroadcaster: Notifier, @unchecked Sendable {
    private let lock = NSLock()
    private var subscribers: [UUID: AsyncStream<ImageEvent>.Continuation] = [:]
    private var closed = false
    private let buffer: Int

    public init(buffer: Int = 1000) {
        self.buffer = buffer
    }

    /// A stream of every event from now on, until the stream is dropped.
    public func subscribe() -> AsyncStream<ImageEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: ImageEvent.self, bufferingPolicy: .bufferingNewest(buffer))
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.lock.withLock { _ = self.subscribers.removeValue(forKey: id) }
        }
        let open = lock.withLock {
            if !closed { subscribers[id] = continuation }
            return !closed
        }
        if !open { continuation.finish() }
        return stream
    }

    /// Ends every stream, now and for later subscribers: the process is shutting down, and open
    /// event streams must not hold its HTTP server up.
    public func close() {
        let current = lock.withLock {
            closed = true
            return Array(subscribers.values)
        }
        for continuation in current { continuation.finish() }
    }

    public var subscriberCount: Int { lock.withLock { subscribers.count } }

    public func notify(_ event: ImageEvent) async {
        let current = lock.withLock { Array(subscribers.values) }
        for continuation in current { continuation.yield(event) }
    }
}
