import Foundation
import NIOCore

/// The client went away before its answer was ready.
struct ConnectionClosed: Error {}

/// Waits until the client on `channel` hangs up (its `HangUpWatcher` says so), then throws
/// `ConnectionClosed`; a cancelled wait throws `CancellationError` at once. A channel without
/// a watcher (the router tests') only ends by cancellation.
func throwWhenClosed(_ channel: any Channel) async throws {
    let watcher = try? await channel.pipeline.handler(type: HangUpWatcher.self).get()
    let closeFuture = try await channel.eventLoop.submit { watcher?.hungUp }.get()
    guard let closeFuture else {
        try await Task.sleep(for: .seconds(86_400 * 365))
        return
    }
    let once = ResumeOnce()
    try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            once.set(continuation)
            closeFuture.whenComplete { _ in once.resume(throwing: ConnectionClosed()) }
        }
    } onCancel: {
        once.resume(throwing: CancellationError())
    }
}

/// A continuation resumed exactly once, whichever of its resumers comes first, even one that
/// comes before the continuation is set.
///
/// `@unchecked Sendable`: every field is only touched with `lock` held.
private final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, any Error>?
    private var early: (any Error)?
    private var done = false

    func set(_ continuation: CheckedContinuation<Void, any Error>) {
        let error: (any Error)? = lock.withLock {
            if let early, !done {
                done = true
                return early
            }
            self.continuation = continuation
            return nil
        }
        if let error { continuation.resume(throwing: error) }
    }

    func resume(throwing error: any Error) {
        let waiting: CheckedContinuation<Void, any Error>? = lock.withLock {
            guard !done else { return nil }
            guard let continuation else {
                if early == nil { early = error }
                return nil
            }
            done = true
            self.continuation = nil
            return continuation
        }
        waiting?.resume(throwing: error)
    }
}
