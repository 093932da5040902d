import Foundation

/// A bound on the request bodies held in memory at once, as nginx bounds its client buffers:
/// an upload reserves its declared length (or, without one, the largest allowed) before its
/// body is read, and gives it back when it is answered. When the budget is spent, an upload is
/// refused at once with 503 and Retry-After instead of piling more bytes into memory. A stalled
/// client holds its share only until the connection's idle timeout closes it.
///
/// `@unchecked Sendable`: `used` is only touched with `lock` held.
final class BodyBudget: @unchecked Sendable {
    let capacity: Int
    private let lock = NSLock()
    private var used = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Reserves `bytes`; false when that would pass the capacity. A single request larger than
    /// the whole budget is let through alone, so the budget never refuses what the limits allow.
    func reserve(_ bytes: Int) -> Bool {
        lock.withLock {
            guard used == 0 || used + bytes <= capacity else { return false }
            used += bytes
            return true
        }
    }

    func release(_ bytes: Int) {
        lock.withLock { used -= bytes }
    }

    var inUse: Int { lock.withLock { used } }
}
