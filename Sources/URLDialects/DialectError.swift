/// A URL a dialect refuses, before any source is read. Each dialect turns the kind into its
/// peer's status (`Dialect.status`); the message is safe to show.
public struct DialectError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The signature is missing, malformed or wrong.
        case badSignature = "bad_signature"
        /// An unsigned URL while `transform.allowUnsigned` is off.
        case unsigned
        /// An unknown option, or an argument out of range.
        case badOption = "bad_option"
        /// The source part cannot be read.
        case badSource = "bad_source"
        /// The URL's `expires` has passed.
        case expired
    }

    public let kind: Kind
    public let message: String

    public var description: String { "\(kind.rawValue): \(message)" }

    public static func badSignature(_ message: String) -> DialectError { DialectError(kind: .badSignature, message: message) }
    public static func unsigned(_ message: String) -> DialectError { DialectError(kind: .unsigned, message: message) }
    public static func badOption(_ message: String) -> DialectError { DialectError(kind: .badOption, message: message) }
    public static func badSource(_ message: String) -> DialectError { DialectError(kind: .badSource, message: message) }
    public static func expired(_ message: String) -> DialectError { DialectError(kind: .expired, message: message) }
}
