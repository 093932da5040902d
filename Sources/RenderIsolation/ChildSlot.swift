import BlockingWork
import Foundation
import Pipeline

#if canImport(Glibc)
    import Glibc
#endif

/// One place for a child process: the child (started when first needed), and how often the
/// children in this place have crashed in a row, for the restart backoff.
///
/// `@unchecked Sendable`: a slot is held by one render at a time (`SlotPool`), and its state is
/// also guarded by `lock`, because `shutDown` may kill the child from another thread.
final class ChildSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var child: ChildProcess?
    private var consecutiveCrashes = 0

    /// The wait before this slot may start another child: none at first, then 50 ms doubling per
    /// crash in a row, up to 10 s.
    func restartDelay() -> Duration {
        let crashes = lock.withLock { consecutiveCrashes }
        guard crashes > 0 else { return .zero }
        return .milliseconds(min(10_000, 50 << min(crashes - 1, 10)))
    }

    func succeeded() { lock.withLock { consecutiveCrashes = 0 } }
    func crashed() { lock.withLock { consecutiveCrashes += 1 } }

    /// Sends one request and reads its answer, starting a child first when there is none.
    /// Blocks: call it from a pool thread.
    func exchange(_ bytes: [UInt8], request: RenderWire.Request, settings: ChildRenderer.Settings) throws -> SlotOutcome {
        let current = try lock.withLock { () throws -> ChildProcess in
            if let existing = self.child { return existing }
            do {
                let started = try ChildProcess(executable: settings.executable, arguments: settings.arguments)
                self.child = started
                return started
            } catch {
                throw RenderError.unavailable("No render process could be started (\(settings.executable)): \(error).")
            }
        }
        let child = current
        let deadline = ContinuousClock.now + settings.timeout
        do {
            try RenderWire.write(request, payload: bytes, to: child.input)
            // A result holds every variant: allow a generous multiple of the source.
            let maxPayload = max(64 << 20, settings.maxSourceBytes * 8)
            guard
                let (response, payload) = try RenderWire.read(
                    RenderWire.Response.self, from: child.output, maxPayload: maxPayload, deadline: deadline)
            else { throw WireError.closed }
            // A child that kept more than the bound after a job (fragmentation a trim cannot
            // undo) is replaced before the next one; it is idle now, so nothing is lost.
            if let resident = ProcessMemory.residentBytes(of: child.pid), resident > settings.recycleAboveBytes {
                lock.withLock {
                    child.kill()
                    if self.child === child { self.child = nil }
                }
            }
            return .response(response, payload)
        } catch let error as WireError {
            let reason =
                error.description == WireError.timedOut.description
                ? "it ran longer than \(settings.timeout) and was stopped" : child.endReason()
            lock.withLock {
                child.kill()
                if self.child === child { self.child = nil }
            }
            return .crashed(reason)
        }
    }

    /// Kills the child, if any.
    func shutDown() {
        lock.withLock {
            child?.kill()
            child = nil
        }
    }
}

/// Slots handed to one render at a time, waiters served in order.
///
/// `@unchecked Sendable`: `free` and `waiters` are only touched with `lock` held.
final class SlotPool: @unchecked Sendable {
    private let lock = NSLock()
    private let all: [ChildSlot]
    private var free: [ChildSlot]
    private var waiters: [CheckedContinuation<ChildSlot, Never>] = []

    init(count: Int) {
        all = (0..<count).map { _ in ChildSlot() }
        free = all
    }

    func acquire() async -> ChildSlot {
        await withCheckedContinuation { continuation in
            let slot: ChildSlot? = lock.withLock {
                if let slot = free.popLast() { return slot }
                waiters.append(continuation)
                return nil
            }
            if let slot { continuation.resume(returning: slot) }
        }
    }

    func release(_ slot: ChildSlot) {
        let waiter: CheckedContinuation<ChildSlot, Never>? = lock.withLock {
            if waiters.isEmpty {
                free.append(slot)
                return nil
            }
            return waiters.removeFirst()
        }
        waiter?.resume(returning: slot)
    }

    func shutDown() {
        for slot in all { slot.shutDown() }
    }
}

/// A running `darkroom render-child`, with pipes to its standard input and output; its standard
/// error is the parent's.
final class ChildProcess: @unchecked Sendable {
    private let process = Process()
    private let stdinPipe = Pipe()
    private let stdoutPipe = Pipe()

    var input: Int32 { stdinPipe.fileHandleForWriting.fileDescriptor }
    var pid: Int32 { process.processIdentifier }
    var output: Int32 { stdoutPipe.fileHandleForReading.fileDescriptor }

    init(executable: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        // A crashing child should die at once, not spend a second printing a Swift backtrace.
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        try process.run()
    }

    /// Why the child's stream ended: the signal that killed it, or its exit status.
    func endReason() -> String {
        let deadline = ContinuousClock.now + .seconds(2)
        while process.isRunning && ContinuousClock.now < deadline { usleep(5_000) }
        guard !process.isRunning else { return "its output ended while it was still running" }
        let status = process.terminationStatus
        if process.terminationReason == .uncaughtSignal {
            return "the render process was killed by \(Self.signalName(status))"
        }
        return "the render process exited with status \(status)"
    }

    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        try? stdinPipe.fileHandleForWriting.close()
        try? stdoutPipe.fileHandleForReading.close()
        let deadline = ContinuousClock.now + .seconds(2)
        while process.isRunning && ContinuousClock.now < deadline { usleep(1_000) }
    }

    deinit {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGABRT: "SIGABRT, an abort"
        case SIGSEGV: "SIGSEGV, a bad memory access"
        case SIGBUS: "SIGBUS, a bad memory access"
        case SIGKILL: "SIGKILL, perhaps for using too much memory"
        case SIGFPE: "SIGFPE, an arithmetic fault"
        case SIGILL: "SIGILL, an illegal instruction"
        case SIGTRAP: "SIGTRAP, a failed check"
        default: "signal \(signal)"
        }
    }
}
