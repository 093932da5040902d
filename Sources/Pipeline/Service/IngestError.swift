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
