import CLibVips
import CVips

/// The process-wide libvips start-up, run once before the first call into libvips.
public enum Vips {
    /// libvips threads per pipeline. One, plus Darkroom's own pool of one thread per core,
    /// gave the best throughput on 2 cores (see NOTES.md).
    private static let started: Result<Void, ImagingError> = {
        VipsLog.install()
        if dr_init(1) != 0 {
            return .failure(.startupFailed(detail: takeError()))
        }
        return .success(())
    }()

    /// Starts libvips if it has not started yet. Safe to call from any thread, any number of times.
    public static func start() throws {
        try started.get()
    }

    /// Copies and clears libvips's global error buffer. Treat the text as a diagnostic only.
    static func takeError() -> String {
        guard let text = vips_error_buffer_copy() else { return "" }
        defer { g_free(text) }
        return String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The libvips version, for logs and `--version`.
    public static var version: String {
        "\(vips_version(0)).\(vips_version(1)).\(vips_version(2))"
    }
}
