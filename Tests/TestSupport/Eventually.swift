/// What every test that waits for something uses: a poll with a deadline, so a condition that
/// never comes true fails the test with what it waited for instead of hanging the suite.

/// `condition` has not held within the deadline.
public struct NeverHappened: Error, CustomStringConvertible {
    public let what: String
    public let within: Duration
    public var description: String { "waited \(within) for \(what), and it never happened" }
}

/// Returns once `condition` holds, polling every `poll`; throws `NeverHappened` naming `what`
/// after `within`. The default deadline is long because a loaded two-core machine is slow, and a
/// deadline only has to stop a hang, not time anything.
public func eventually(
    _ what: String, within: Duration = .seconds(120), poll: Duration = .milliseconds(10),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + within
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < deadline else { throw NeverHappened(what: what, within: within) }
        try await Task.sleep(for: poll)
    }
}
