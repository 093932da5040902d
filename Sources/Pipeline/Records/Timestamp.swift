import Foundation

/// How records write times: ISO 8601 in UTC with milliseconds (`2026-11-21T10:00:00.123Z`), the
/// same in the API, in DynamoDB items and in notifications.
public enum Timestamp {
    static let style = Date.ISO8601FormatStyle.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)

    public static func string(_ date: Date) -> String { date.formatted(style) }

    public static func date(_ text: String) -> Date? { try? Date(text, strategy: style) }
}
