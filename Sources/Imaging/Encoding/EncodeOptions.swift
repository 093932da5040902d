/// The formats Darkroom writes.
public enum OutputFormat: String, Sendable, CaseIterable, Codable {
    case jpeg, png, webp, avif, gif

    public var contentType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .avif: "image/avif"
        case .gif: "image/gif"
        }
    }

    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .webp: "webp"
        case .avif: "avif"
        case .gif: "gif"
        }
    }

    /// Formats that can carry every frame of an animation.
    public var supportsAnimation: Bool { self == .webp || self == .gif }

    public var supportsAlpha: Bool { self != .jpeg }

    /// The quality used when a recipe gives none.
    public var defaultQuality: Int {
        switch self {
        case .jpeg: 85
        case .png: 100
        case .webp: 80
        case .avif: 50
        case .gif: 100
        }
    }
}

/// How to encode one output.
public struct EncodeOptions: Sendable, Equatable {
    public var format: OutputFormat
    /// 1–100, for JPEG, WebP and AVIF. Nil uses the format's default.
    public var quality: Int?
    /// JPEG only: progressive (interlaced) scans.
    public var progressive: Bool
    /// PNG only: zlib level 0–9.
    public var compression: Int
    /// WebP only: lossless encoding.
    public var lossless: Bool
    /// AVIF only: 0 (slowest, smallest) to 9 (fastest).
    public var speed: Int
    /// The colour alpha is flattened onto when the format has no alpha channel.
    public var background: RGBColor
    /// Remove EXIF (GPS included), XMP, IPTC and ICC metadata. On by default.
    public var stripMetadata: Bool
    /// `quality: auto`: search the quality for this SSIM target instead of using `quality`.
    public var qualityTarget: QualityTarget?
    /// The largest output in bytes: the highest quality that fits is searched (with
    /// `qualityTarget`, at most the quality that search chose).
    public var maxBytes: Int?

    public init(
        format: OutputFormat, quality: Int? = nil, progressive: Bool = false, compression: Int = 6, lossless: Bool = false,
        speed: Int = 6, background: RGBColor = .white, stripMetadata: Bool = true
    ) {
        self.format = format
        self.quality = quality
        self.progressive = progressive
        self.compression = compression
        self.lossless = lossless
        self.speed = speed
        self.background = background
        self.stripMetadata = stripMetadata
    }

    public static let maxBytesRange = 100...100_000_000

    public func validate() throws {
        if let bad = invalidSetting { throw ImagingError.invalidArgument("\(bad.field) \(bad.reason)") }
    }

    /// The first setting outside its range, named as recipes and URLs name it, and why: the one
    /// statement of these ranges, for the recipe decoder (which names the field) and `validate`.
    public var invalidSetting: (field: String, reason: String)? {
        if let quality, !(1...100).contains(quality) { return ("quality", "must be between 1 and 100, not \(quality)") }
        if !(0...9).contains(compression) { return ("compression", "must be between 0 and 9, not \(compression)") }
        if !(0...9).contains(speed) { return ("speed", "must be between 0 and 9, not \(speed)") }
        let searchable = format == .jpeg || format == .avif || (format == .webp && !lossless)
        if let qualityTarget {
            guard searchable else { return ("quality", "auto needs a lossy format (jpeg, avif, or webp without lossless), not \(format.rawValue)") }
            if let bad = qualityTarget.invalidSetting { return bad }
        }
        if let maxBytes {
            guard searchable else { return ("maxBytes", "needs a lossy format (jpeg, avif, or webp without lossless), not \(format.rawValue)") }
            guard Self.maxBytesRange.contains(maxBytes) else {
                return ("maxBytes", "must be between \(Self.maxBytesRange.lowerBound) and \(Self.maxBytesRange.upperBound) bytes, not \(maxBytes)")
            }
        }
        return nil
    }
}

/// An encoded output and what a client needs to know about it.
public struct EncodedImage: Sendable {
    public var bytes: [UInt8]
    public var format: OutputFormat
    public var width: Int
    public var height: Int
    /// What the quality search chose, when the options asked for one.
    public var qualityChoice: QualityChoice?

    public init(bytes: [UInt8], format: OutputFormat, width: Int, height: Int, qualityChoice: QualityChoice? = nil) {
        self.qualityChoice = qualityChoice
        self.bytes = bytes
        self.format = format
        self.width = width
        self.height = height
    }
}
