import Imaging

/// Why an on-the-fly request failed after its URL was accepted. The kind is typed; each dialect
/// turns it into its peer's status in one table in `Server`.
public struct TransformError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The source does not exist.
        case notFound = "not_found"
        /// The source lies outside the root, is not allow-listed, or resolves to a private address.
        case forbidden = "source_forbidden"
        /// The source is over the size, pixel or frame limits, or is no image Darkroom reads.
        case unprocessable = "unprocessable"
        /// Every render slot is busy and the queue is full.
        case busy
        /// The request ran past `transform.timeoutSeconds`.
        case timeout
        /// The source's server or the storage failed.
        case upstream
    }

    public let kind: Kind
    /// Safe to show a client.
    public let message: String

    public var description: String { "\(kind.rawValue): \(message)" }

    public static func notFound(_ message: String) -> TransformError { TransformError(kind: .notFound, message: message) }
    public static func forbidden(_ message: String) -> TransformError { TransformError(kind: .forbidden, message: message) }
    public static func unprocessable(_ message: String) -> TransformError { TransformError(kind: .unprocessable, message: message) }
    public static func upstream(_ message: String) -> TransformError { TransformError(kind: .upstream, message: message) }
    public static let busy = TransformError(kind: .busy, message: "Every render slot is busy; try again shortly.")
    public static func timeout(_ seconds: Int) -> TransformError {
        TransformError(kind: .timeout, message: "The image was not ready within \(seconds) seconds.")
    }

    /// An imaging failure as a transform failure: the source's fault is unprocessable.
    static func from(_ error: ImagingError) -> TransformError {
        error.isClientError ? .unprocessable(error.message) : .upstream("Processing failed: \(error.message)")
    }
}
