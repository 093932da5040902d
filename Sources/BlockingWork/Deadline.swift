import Synchronization

/// `work`'s result, or `expired` thrown once `limit` has passed: at the deadline, even when
/// `work` ignores cancellation.
///
/// A task group cannot promise that: it returns only when every child has, so a child stuck in
/// an await that never completes (a query on a connection that died mid-write) holds the
/// caller for ever, deadline or not. Here `work` runs in a task of its own; at the deadline it
/// is cancelled and left to end on its own time, and the caller goes on. Cancelling the caller
/// cancels `work` and throws `CancellationError` at once.
public func withDeadline<T: Sendable>(
    _ limit: Duration, orThrow expired: any Error & Sendable, _ work: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = DeadlineRace<T>()
    let worker = Task { try await work() }
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.start(continuation)
            let timer = Task {
                try? await Task.sleep(for: limit)
                if !Task.isCancelled, race.finish(.failure(expired)) { worker.cancel() }
            }
            Task {
                let result = await worker.result
                timer.cancel()
                race.finish(result)
            }
        }
    } onCancel: {
        worker.cancel()
        race.finish(.failure(CancellationError()))
    }
}

/// Resumes its continuation once, with whichever outcome comes first; a result that comes
/// before the continuation is set is kept for it.
final class DeadlineRace<T: Sendable>: Sendable {
    private enum State {
        case waiting
        case started(CheckedContinuation<T, any Error>)
        case early(Result<T, any Error>)
        case done
    }

    private let state = Mutex<State>(.waiting)

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        let early: Result<T, any Error>? = state.withLock { state in
            if case .early(let result) = state {
                state = .done
                return result
            }
            state = .started(continuation)
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// True when this outcome was the first.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let (first, continuation): (Bool, CheckedContinuation<T, any Error>?) = state.withLock { state in
            switch state {
            case .waiting:
                state = .early(result)
                return (true, nil)
            case .started(let continuation):
                state = .done
                return (true, continuation)
            case .early, .done:
                return (false, nil)
            }
        }
        continuation?.resume(with: result)
        return first
    }
}
