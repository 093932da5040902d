/// Caps on untrusted input, checked from the header before any pixel is decoded.
public struct Limits: Sendable, Equatable {
    /// Largest source, in pixels, with the frames of an animation summed.
    public var maxPixels: Int
    /// Largest encoded file, in bytes.
    public var maxFileBytes: Int
    /// Most frames an animation may declare.
    public var maxFrames: Int
    /// Formats accepted, decided by magic bytes.
    public var allowedFormats: Set<ImageFormat>

    public init(
        maxPixels: Int = 50_000_000,
        maxFileBytes: Int = 100 * 1024 * 1024,
        maxFrames: Int = 500,
        allowedFormats: Set<ImageFormat> = Set(ImageFormat.allCases)
    ) {
        self.maxPixels = maxPixels
        self.maxFileBytes = maxFileBytes
        self.maxFrames = maxFrames
        self.allowedFormats = allowedFormats
    }

    public static let `default` = Limits()

    /// Checks the encoded size before anything else reads the bytes.
    public func validate(fileBytes: Int) throws {
        guard fileBytes > 0 else { throw ImagingError.emptyInput }
        guard fileBytes <= maxFileBytes else { throw ImagingError.fileTooLarge(bytes: fileBytes, limit: maxFileBytes) }
    }

    /// Checks what a header declares: format, frames, and pixels summed over frames.
    public func validate(_ header: ImageHeader) throws {
        guard allowedFormats.contains(header.format) else { throw ImagingError.formatNotAllowed(header.format) }
        guard header.frames <= maxFrames else { throw ImagingError.tooManyFrames(header.frames, limit: maxFrames) }
        let (pixels, overflow) = header.width.multipliedReportingOverflow(by: header.height)
        let (total, overflow2) = pixels.multipliedReportingOverflow(by: max(header.frames, 1))
        guard !overflow, !overflow2, total <= maxPixels else {
            throw ImagingError.tooManyPixels(width: header.width, height: header.height, frames: header.frames, limit: maxPixels)
        }
    }
}
