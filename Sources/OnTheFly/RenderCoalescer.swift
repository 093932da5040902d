import Foundation

/// Identical requests in flight share one render: the first starts it, later ones wait for the
/// same result. A waiter that is cancelled (its client went away, or its timeout passed) stops
/// waiting at once, even while the render runs on in C; the shared work is cancelled only when
/// every waiter has gone, so one impatient client never fails the others.
actor RenderCoalescer<Value: Sendable> {
    /// `@unchecked Sendable`: its fields are only read and written on the coalescer's actor.
    private final class Flight: @unchecked Sendable {
        var task: Task<Void, Never>?
        var waiters: [UUID: CheckedContinuation<Value, any Error>] = [:]
    }

    private var flights: [String: Flight] = [:]

    /// The value for `key`: a render already in flight, or `work` started now. `joined` says
    /// which; `onJoin` runs as a request joins a flight, before it waits.
    func value(
        for key: String, onJoin: @Sendable () -> Void = {}, work: @escaping @Sendable () async throws -> Value
    ) async throws -> (value: Value, joined: Bool) {
        let id = UUID()
        let flight: Flight
        let joined: Bool
        if let existing = flights[key] {
            flight = existing
            joined = true
            onJoin()
        } else {
            flight = Flight()
            flights[key] = flight
            joined = false
            flight.task = Task {
                let result: Result<Value, any Error>
                do {
                    result = .success(try await work())
                } catch {
                    result = .failure(error)
                }
                self.finish(key, flight, result)
            }
        }
        let value = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                flight.waiters[id] = continuation
            }
        } onCancel: {
            Task { await self.leave(key, flight, id) }
        }
        return (value, joined)
    }

    private func finish(_ key: String, _ flight: Flight, _ result: Result<Value, any Error>) {
        if flights[key] === flight { flights[key] = nil }
        for waiter in flight.waiters.values { waiter.resume(with: result) }
        flight.waiters = [:]
    }

    /// A waiter was cancelled: it stops waiting now; when it was the last, the work is cancelled.
    private func leave(_ key: String, _ flight: Flight, _ id: UUID) {
        guard let waiter = flight.waiters.removeValue(forKey: id) else { return }
        waiter.resume(throwing: CancellationError())
        if flight.waiters.isEmpty {
            flight.task?.cancel()
            if flights[key] === flight { flights[key] = nil }
        }
    }
}
