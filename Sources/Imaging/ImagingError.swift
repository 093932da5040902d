/// An error from the imaging layer.
///
/// `description` is short and stable, safe as a metric label. `message` is written for the
/// person who sent the image: what went wrong and what they can do about it. `detail` holds
/// libvips's own text, for logs only.
public struct ImagingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a type: callers decide on this, never on `description`'s text.
    public enum Kind: String, Sendable, CaseIterable {
        case emptyInput = "empty_input"
        case fileTooLarge = "file_too_large"
        case unsupportedFormat = "unsupported_format"
        case formatNotAllowed = "format_not_allowed"
        case tooManyPixels = "too_many_pixels"
        case tooManyFrames = "too_many_frames"
        case corrupt = "corrupt_image"
        case invalidArgument = "invalid_argument"
        case processingFailed = "processing_failed"
        case encodeFailed = "encode_failed"
        case startupFailed = "startup_failed"
        case detectionFailed = "detection_failed"
    }

    /// What went wrong.
    public let kind: Kind
    /// What the client may see: safe, specific and actionable.
    public let message: String
    /// Full diagnostic detail for the log, such as libvips's error buffer.
    public let detail: String

    fileprivate init(_ kind: Kind, _ message: String, detail: String = "") {
        self.kind = kind
        self.message = message
        self.detail = detail
    }

    public var description: String { kind.rawValue }

    /// True when the input itself is at fault (a 4xx), false for an internal failure.
    public var isClientError: Bool {
        switch kind {
        case .processingFailed, .encodeFailed, .startupFailed, .detectionFailed: false
        default: true
        }
    }

    public static let emptyInput = ImagingError(.emptyInput, "The file is empty.")

    public static func fileTooLarge(bytes: Int, limit: Int) -> ImagingError {
        ImagingError(.fileTooLarge, "The file is \(bytes) bytes; the limit is \(limit) bytes.")
    }

    public static func unsupportedFormat(_ what: String) -> ImagingError {
        ImagingError(
            .unsupportedFormat,
            "\(what) is not a supported image format. Supported: JPEG, PNG, WebP, GIF, HEIC/AVIF and TIFF.")
    }

    public static func formatNotAllowed(_ format: ImageFormat) -> ImagingError {
        ImagingError(.formatNotAllowed, "\(format.displayName) images are not accepted by this server's configuration.")
    }

    public static func tooManyPixels(width: Int, height: Int, frames: Int, limit: Int) -> ImagingError {
        let framesText = frames > 1 ? " × \(frames) frames" : ""
        return ImagingError(
            .tooManyPixels,
            "The image is \(width)×\(height)\(framesText) = \(width * height * frames) pixels; the limit is \(limit) pixels.")
    }

    public static func tooManyFrames(_ frames: Int, limit: Int) -> ImagingError {
        ImagingError(.tooManyFrames, "The animation has \(frames) frames; the limit is \(limit).")
    }

    public static func corrupt(_ format: ImageFormat?, _ reason: String, detail: String = "") -> ImagingError {
        let name = format?.displayName ?? "image"
        return ImagingError(.corrupt, "The \(name) file is corrupt or truncated: \(reason).", detail: detail)
    }

    public static func invalidArgument(_ message: String) -> ImagingError {
        ImagingError(.invalidArgument, message)
    }

    public static func processingFailed(_ step: String, detail: String) -> ImagingError {
        ImagingError(.processingFailed, "Processing failed during \(step).", detail: detail)
    }

    public static func encodeFailed(_ format: String, detail: String) -> ImagingError {
        ImagingError(.encodeFailed, "Encoding to \(format) failed.", detail: detail)
    }

    /// Face detection could not run (no detector installed, the model failed, or the detector
    /// crashed): a variant that redacts faces is never made without it.
    public static func detectionFailed(_ reason: String, detail: String = "") -> ImagingError {
        ImagingError(.detectionFailed, "Face detection failed: \(reason). Variants that redact faces are never published without it.", detail: detail)
    }

    public static func startupFailed(detail: String) -> ImagingError {
        ImagingError(.startupFailed, "libvips could not be initialised.", detail: detail)
    }
}

/// Carried between processes (a render child reports its errors to the supervisor): the code,
/// the client's message and the log detail, unchanged.
extension ImagingError: Codable {
    private enum CodingKeys: String, CodingKey { case code, message, detail }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let raw = try c.decode(String.self, forKey: .code)
        guard let kind = Kind(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(forKey: .code, in: c, debugDescription: "unknown imaging error code '\(raw)'")
        }
        self.init(kind, try c.decode(String.self, forKey: .message), detail: try c.decode(String.self, forKey: .detail))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind.rawValue, forKey: .code)
        try c.encode(message, forKey: .message)
        try c.encode(detail, forKey: .detail)
    }
}
