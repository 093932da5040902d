/// Wakes idle workers when a job is enqueued in this process, so they need not wait for their
/// next poll. Workers still poll, which covers jobs enqueued by other processes.
public actor Doorbell {
    private var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter: UInt64 = 0
    /// Rung while nobody waited: the next wait returns at once, so a ring is never lost.
    private var pending = false

    public init() {}

    /// Wakes every waiting worker.
    public func ring() {
        guard !waiters.isEmpty else {
            pending = true
            return
        }
        let woken = waiters
        waiters.removeAll()
        for waiter in woken.values { waiter.resume() }
    }

    /// Returns when rung, or after `timeout`, whichever comes first.
    public func wait(upTo timeout: Duration) async {
        if pending {
            pending = false
            return
        }
        let id = nextWaiter
        nextWaiter += 1
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.release(id)
        }
        await withCheckedContinuation { waiters[id] = $0 }
        timer.cancel()
    }

    /// Wakes one waiter whose time is up; does nothing if it was already rung.
    private func release(_ id: UInt64) {
        waiters.removeValue(forKey: id)?.resume()
    }
}
