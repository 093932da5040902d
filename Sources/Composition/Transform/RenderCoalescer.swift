/// Identical requests in flight share one render: the first starts it, later ones wait for the
/// same result. The shared work is cancelled only when every waiter has gone (clients that
/// disconnected), so one impatient client never fails the others.
actor RenderCoalescer<Value: Sendable> {
    private final class Flight: @unchecked Sendable {
        // `@unchecked`: `waiters` is only read and written on the coalescer's actor.
        let task: Task<Value, any Error>
        var waiters = 0
        init(task: Task<Value, any Error>) { self.task = task }
    }

    private var flights: [String: Flight] = [:]

    /// The value for `key`: a render already in flight, or `work` started now. `joined` says
    /// which, for the metrics.
    func value(for key: String, work: @escaping @Sendable () async throws -> Value) async throws -> (value: Value, joined: Bool) {
        let joined: Bool
        let flight: Flight
        if let existing = flights[key] {
            flight = existing
            joined = true
        } else {
            flight = Flight(task: Task { try await work() })
            flights[key] = flight
            joined = false
        }
        flight.waiters += 1
        defer {
            flight.waiters -= 1
            if flight.waiters == 0 {
                if flights[key] === flight { flights[key] = nil }
                flight.task.cancel()
            }
        }
        let task = flight.task
        let value = try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            Task { await self.leave(key, flight) }
        }
        return (value, joined)
    }

    /// A waiter was cancelled: when it was the last, the shared work is cancelled too.
    private func leave(_ key: String, _ flight: Flight) {
        if flight.waiters <= 1 { flight.task.cancel() }
    }
}
