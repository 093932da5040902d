import CLibVips
import Foundation

/// Where libvips's own warnings go. libvips reports them through GLib's log in the `VIPS`
/// domain, which prints `VIPS-WARNING` lines on standard error by default: over a thousand of
/// them in one `make test`. They are diagnostics, so Darkroom routes them to a sink the
/// application chooses (its logger, at debug level), and drops them when none is set.
/// Fatal messages still abort: GLib aborts after any handler runs, which is why image work is
/// contained in render children.
public enum VipsLog {
    /// `@unchecked Sendable`-style state: `sink` is only touched with `lock` held.
    private static let lock = NSLock()
    nonisolated(unsafe) private static var sink: (@Sendable (String) -> Void)?

    /// Sends every later libvips message to `sink`.
    public static func route(to sink: @escaping @Sendable (String) -> Void) {
        lock.withLock { self.sink = sink }
    }

    /// Installs the GLib handler for the `VIPS` domain; `Vips.start` calls it once.
    static func install() {
        let levels = GLogLevelFlags(rawValue: G_LOG_LEVEL_MASK.rawValue | G_LOG_FLAG_RECURSION.rawValue)
        g_log_set_handler("VIPS", levels, { _, _, message, _ in VipsLog.deliver(message) }, nil)
    }

    private static func deliver(_ message: UnsafePointer<gchar>?) {
        guard let message, let current = lock.withLock({ sink }) else { return }
        current(String(cString: message))
    }
}
