/// Why an upload was refused, with the HTTP status a server should answer.
public struct IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable code for clients, such as `unknown_recipe`.
    public var code: String
    public var message: String
    public var httpStatus: Int

    public var description: String { code }

    public static func unknownRecipe(_ name: String, known: [String]) -> IngestError {
        IngestError(
            code: "unknown_recipe", message: "There is no recipe '\(name)'. Known recipes: \(known.joined(separator: ", ")).", httpStatus: 422)
    }

    public static func queueFull(depth: Int) -> IngestError {
        IngestError(code: "queue_full", message: "The processing queue is full (\(depth) jobs). Try again shortly.", httpStatus: 503)
    }

    public static let noFiles = IngestError(code: "bad_request", message: "The request carries no file.", httpStatus: 400)

    public static let badIdempotencyKey = IngestError(code: "bad_request", message: "Idempotency-Key must have 1 to 255 characters.", httpStatus: 400)

    public static let idempotencyKeyInUse = IngestError(
        code: "idempotency_key_in_use", message: "A request with this Idempotency-Key is still being processed.", httpStatus: 409)

    public static let idempotencyKeyReused = IngestError(
        code: "idempotency_key_reused",
        message: "This Idempotency-Key was first used for a different request (other files, file names or recipe); use a new key for a new upload.",
        httpStatus: 422)

    public static let idempotentResultDeleted = IngestError(
        code: "idempotent_result_deleted",
        message:
            "The images this Idempotency-Key made have since been deleted; nothing is made twice for one key, so send the upload with a new key.",
        httpStatus: 410)

    /// An image the probe refused: unsupported (415), too large (413) or unreadable (422).
    public static func refused(_ error: ImagingErrorSummary) -> IngestError {
        IngestError(code: error.code, message: error.message, httpStatus: error.httpStatus)
    }
}

/// The parts of an imaging error an upload's answer needs.
public struct ImagingErrorSummary: Sendable, Equatable {
    public var code: String
    public var message: String
    public var httpStatus: Int
}
