import Imaging

/// Why an upload was refused. The kind is typed; how a transport answers it (an HTTP status,
/// an exit code) is the transport's decision, made in one place there.
public struct IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The request itself is malformed: no file, a bad key.
        case badRequest
        /// The request names something that does not exist, such as a recipe.
        case unknownRecipe
        /// The queue is full; the same request may succeed shortly.
        case busy
        /// Another request with the same idempotency key is still running.
        case conflict
        /// The idempotency key was used for a different request.
        case keyReused
        /// What the idempotency key made has been deleted.
        case gone
        /// The file itself was refused by the probe.
        case refused(ImagingError.Kind)
    }

    public var kind: Kind
    /// A stable code for clients, such as `unknown_recipe`.
    public var code: String
    public var message: String

    public var description: String { code }

    public static func unknownRecipe(_ name: String, known: [String]) -> IngestError {
        IngestError(
            kind: .unknownRecipe, code: "unknown_recipe", message: "There is no recipe '\(name)'. Known recipes: \(known.joined(separator: ", ")).")
    }

    public static func queueFull(depth: Int) -> IngestError {
        IngestError(kind: .busy, code: "queue_full", message: "The processing queue is full (\(depth) jobs). Try again shortly.")
    }

    public static let noFiles = IngestError(kind: .badRequest, code: "bad_request", message: "The request carries no file.")

    public static let badIdempotencyKey = IngestError(
        kind: .badRequest, code: "bad_request", message: "Idempotency-Key must have 1 to 255 characters.")

    public static let idempotencyKeyInUse = IngestError(
        kind: .conflict, code: "idempotency_key_in_use", message: "A request with this Idempotency-Key is still being processed.")

    public static let idempotencyKeyReused = IngestError(
        kind: .keyReused, code: "idempotency_key_reused",
        message: "This Idempotency-Key was first used for a different request (other files, file names or recipe); use a new key for a new upload.")

    public static let idempotentResultDeleted = IngestError(
        kind: .gone, code: "idempotent_result_deleted",
        message:
            "The images this Idempotency-Key made have since been deleted; nothing is made twice for one key, so send the upload with a new key.")

    /// An image the probe refused: unsupported, too large, unreadable.
    public static func refused(_ error: ImagingError) -> IngestError {
        IngestError(kind: .refused(error.kind), code: error.description, message: error.message)
    }
}
