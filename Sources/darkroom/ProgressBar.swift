import Foundation

/// A one-line progress bar on standard error, drawn only when standard error is a terminal.
struct ProgressBar {
    let total: Int
    let enabled = isatty(STDERR_FILENO) != 0
    private let width = 30

    init(total: Int) {
        self.total = total
    }

    func update(done: Int, failed: Int) {
        guard enabled, total > 0 else { return }
        let filled = width * done / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let failedText = failed > 0 ? ", \(failed) failed" : ""
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total)\(failedText)".utf8))
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// Prints a line without tearing the bar.
    func log(_ line: String) {
        let prefix = enabled ? "\r\u{1B}[2K" : ""
        FileHandle.standardError.write(Data((prefix + line + "\n").utf8))
    }
}
