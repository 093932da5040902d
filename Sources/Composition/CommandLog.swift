import Imaging
import Logging
import Pipeline

/// How every command starts logging, written once: one JSON object a line (or plain text for
/// `serve --log-format text`), libvips's own warnings routed into the same log, and what the
/// command says about its backends with every password replaced.
public enum CommandLog {
    /// Bootstraps the process's logging and returns the command's logger. Call it once, first.
    public static func start(label: String, json: Bool = true, level: Logger.Level = .info) -> Logger {
        if json { LoggingSystem.bootstrap(JSONLogHandler.init) }
        var logger = Logger(label: label)
        logger.logLevel = level
        VipsLog.route { [logger] message in logger.debug("libvips", metadata: ["message": "\(message)"]) }
        return logger
    }

    /// Where a command's data lives, for its start-up line: URLs with passwords redacted.
    public static func backends(_ settings: DarkroomConfiguration) -> Logger.Metadata {
        [
            "data": "\(settings.dataDirectory)",
            "storage": "\(Secrets.redacted(settings.storage ?? settings.eventsOutput ?? "files"))",
            "metadata": "\(Secrets.redacted(settings.metadata ?? "sqlite"))",
            "queue": "\(Secrets.redacted(settings.queueURL ?? settings.eventsQueue ?? "-"))",
        ]
    }
}
