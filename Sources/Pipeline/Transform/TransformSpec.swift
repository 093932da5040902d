import Foundation
import Imaging

/// One on-the-fly transformation, normalised: what every URL dialect (imgproxy's, thumbor's,
/// Darkroom's recipe variants) parses into. Its steps always run in one fixed order (crop,
/// resize, extend, rotate, flip, grayscale, blur, sharpen, pixelate, watermark), as both peers'
/// pipelines do, so two URLs that mean the same picture make the same `cacheKey` whatever order
/// their options were written in.
///
/// It is Codable so that it crosses to a render child as it is, and its canonical JSON is the
/// cache key's material: the signature never is, so keys can rotate without losing the cache.
public struct TransformSpec: Sendable, Codable, Equatable {
    /// A crop of the source before the resize.
    public enum Crop: Sendable, Codable, Equatable {
        /// A fixed region in source pixels (thumbor's `AxB:CxD`).
        case region(left: Int, top: Int, width: Int, height: Int)
        /// A box placed at a gravity or around a focus point (imgproxy's `crop`).
        case box(width: Int, height: Int, gravity: Gravity, focus: FocusPoint?)
    }

    /// The resize; a nil side follows the aspect ratio.
    public struct Scale: Sendable, Codable, Equatable {
        public var width: Int?
        public var height: Int?
        public var fit: Fit
        public var gravity: Gravity
        public var focus: FocusPoint?
        public var upscale: Bool
        /// imgproxy's `auto`: `cover` when the source and the box have the same orientation,
        /// else `inside`.
        public var auto: Bool
        /// thumbor's `adaptive-`: the box turns to the source's orientation first.
        public var adaptive: Bool

        public init(
            width: Int?, height: Int?, fit: Fit, gravity: Gravity = .centre, focus: FocusPoint? = nil, upscale: Bool = false, auto: Bool = false,
            adaptive: Bool = false
        ) {
            self.auto = auto
            self.adaptive = adaptive
            self.width = width
            self.height = height
            self.fit = fit
            self.gravity = gravity
            self.focus = focus
            self.upscale = upscale
        }
    }

    /// An image watermark, read from a file the server has already resolved and checked.
    public struct Watermark: Sendable, Codable, Equatable {
        public var path: String
        public var opacity: Double
        public var position: Gravity
        /// The logo's width as a fraction of the image's; nil keeps its own size.
        public var scale: Double?
        /// Pixels in from the edges it is placed against.
        public var margin: Int

        public init(path: String, opacity: Double, position: Gravity, scale: Double?, margin: Int = 0) {
            self.margin = margin
            self.path = path
            self.opacity = opacity
            self.position = position
            self.scale = scale
        }
    }

    /// A recipe's variant by name (Darkroom's own dialect): the render uses that variant as the
    /// recipe file defines it, and every other field is ignored.
    public struct NamedVariant: Sendable, Codable, Equatable {
        public var recipe: String
        public var variant: String

        public init(recipe: String, variant: String) {
            self.recipe = recipe
            self.variant = variant
        }
    }

    public var variantOf: NamedVariant?
    public var crop: Crop?
    public var resize: Scale?
    /// Pad to the resize box with `background` (imgproxy's `extend`), at this gravity.
    public var extend: Gravity?
    /// Degrees clockwise, a multiple of 90.
    public var rotate = 0
    public var flipHorizontal = false
    public var flipVertical = false
    public var grayscale = false
    public var blur: Double?
    public var sharpen: Double?
    /// A mosaic of this many pixels per block.
    public var pixelate: Int?
    public var watermark: Watermark?
    /// Faces and regions hidden (imgproxy's `blur_detections`, `blur_areas`, thumbor's
    /// `redact()`); nil when none, so the cache keys of other URLs are unchanged.
    public var redactions: [Redaction]?
    /// Nil keeps the source's format where Darkroom can write it, else JPEG.
    public var format: OutputFormat?
    public var quality: Int?
    public var stripMetadata = true
    /// Fills transparent areas when the output has no alpha, and an `extend` border.
    public var background: RGBColor?
    /// Make the source's placeholder from the render's decode (the info endpoints ask for it);
    /// nil, the default, makes none, so an ordinary render does no work it throws away.
    public var placeholders: PlaceholderOptions?
    /// The largest answer in bytes (imgproxy's `max_bytes`, thumbor's `max_bytes()`): the highest
    /// quality that fits is searched. Only lossy outputs have a quality; others ignore it, as
    /// imgproxy does.
    public var maxBytes: Int?

    public init() {}

    /// Checks every argument with the rule its operation uses everywhere (`OperationRules`,
    /// `Resize.validate`), so a URL accepts exactly what a recipe accepts.
    public func validate() throws {
        if let crop {
            switch crop {
            case .region(let left, let top, let width, let height):
                try OperationRules.checkCrop(left: left, top: top, width: width, height: height)
            case .box(let width, let height, _, let focus):
                try OperationRules.checkCrop(width: width, height: height)
                try focus?.validate()
            }
        }
        if let resize { try resize.request.validate() }
        try placeholders?.validate()
        if let maxBytes, !EncodeOptions.maxBytesRange.contains(maxBytes) {
            throw ImagingError.invalidArgument(
                "max_bytes must be between \(EncodeOptions.maxBytesRange.lowerBound) and \(EncodeOptions.maxBytesRange.upperBound), not \(maxBytes)")
        }
        if extend != nil, resize?.width == nil || resize?.height == nil {
            throw ImagingError.invalidArgument("extend needs a resize with both a width and a height")
        }
        try OperationRules.checkRotation(degrees: rotate)
        if let blur { try OperationRules.checkBlur(sigma: blur) }
        if let sharpen { try OperationRules.checkSharpen(sigma: sharpen) }
        if let pixelate { try OperationRules.checkPixelate(block: pixelate) }
        if let watermark {
            try WatermarkPlacement(opacity: watermark.opacity, position: watermark.position, margin: watermark.margin).validate()
            if let scale = watermark.scale { try ImageWatermark.checkScale(scale) }
        }
        try EncodeOptions(format: .jpeg, quality: quality).validate()  // the format does not change the range
        for redaction in redactions ?? [] { try redaction.validate() }
    }

    /// True when the render reads the image's regions (redacts, or centres on faces).
    public var usesRegions: Bool {
        !(redactions ?? []).isEmpty || resize?.gravity == .faces || { if case .box(_, _, .faces, _)? = crop { true } else { false } }()
    }

    /// Adds a redaction. One that hides detections replaces an earlier one that does (a later
    /// option wins, as in imgproxy); areas given in the URL add up.
    public mutating func addRedaction(_ redaction: Redaction) {
        if redaction.areas.isEmpty { removeDetectionRedactions() }
        redactions = (redactions ?? []) + [redaction]
    }

    /// Drops the redactions of detections (imgproxy's `bd:0`), keeping areas given in the URL.
    public mutating func removeDetectionRedactions() {
        let kept = (redactions ?? []).filter { !$0.areas.isEmpty }
        redactions = kept.isEmpty ? nil : kept
    }

    /// The canonical JSON of this transformation (sorted keys): equal specs give equal text.
    public var canonicalJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// The output format for a source of `format` when none was asked for: the same, where
    /// Darkroom writes it, else JPEG.
    public static func defaultFormat(for format: ImageFormat) -> OutputFormat {
        OutputFormat(rawValue: format.rawValue) ?? .jpeg
    }

    /// The quality when a URL gives none: 80 as both peers use, 65 for AVIF as imgproxy does.
    public static func defaultQuality(for format: OutputFormat) -> Int? {
        switch format {
        case .jpeg, .webp: 80
        case .avif: 65
        case .png, .gif: nil
        }
    }

    /// The one variant this transformation is, for `source` (its format and upright size decide
    /// the output format and the `auto` and `adaptive` resizes).
    public func variant(source: ImageHeader) -> Variant {
        var operations: [Operation] = []
        switch crop {
        case .region(let left, let top, let width, let height)?: operations.append(.cropRegion(left: left, top: top, width: width, height: height))
        case .box(let width, let height, let gravity, let focus)?:
            if let focus {
                // A box around a point: a cover resize at scale 1 does exactly that crop.
                operations.append(.resize(Resize(width: width, height: height, fit: .cover, upscale: false, focus: focus)))
            } else {
                operations.append(.crop(width: width, height: height, gravity: gravity))
            }
        case nil: break
        }
        if var resize {
            // A quarter turn happens after the resize, so the box is turned to match.
            if (rotate / 90) % 2 != 0 { (resize.width, resize.height) = (resize.height, resize.width) }
            let box = (resize.width, resize.height)
            let (width, height) = croppedSize(source)
            resize = resize.resolved(sourceWidth: width, sourceHeight: height)
            operations.append(.resize(resize.request))
            if let extend, let width = box.0, let height = box.1 {
                operations.append(.extend(width: width, height: height, gravity: extend, background: background ?? .white))
            }
        }
        if rotate % 360 != 0 { operations.append(.rotate(degrees: rotate)) }
        if flipHorizontal { operations.append(.flip(.horizontal)) }
        if flipVertical { operations.append(.flip(.vertical)) }
        if grayscale { operations.append(.grayscale) }
        if let blur { operations.append(.blur(sigma: blur)) }
        if let sharpen { operations.append(.sharpen(sigma: sharpen)) }
        if let pixelate { operations.append(.pixelate(block: pixelate)) }
        for redaction in redactions ?? [] { operations.append(.redact(redaction)) }
        if let watermark {
            operations.append(
                .imageWatermark(
                    path: watermark.path, scale: watermark.scale,
                    placement: WatermarkPlacement(opacity: watermark.opacity, position: watermark.position, margin: watermark.margin)))
        }
        var output = EncodeOptions(format: format ?? Self.defaultFormat(for: source.format))
        output.quality = quality ?? Self.defaultQuality(for: output.format)
        if output.format == .jpeg || output.format == .webp || output.format == .avif { output.maxBytes = maxBytes }
        output.stripMetadata = stripMetadata
        if let background { output.background = background }
        return Variant(name: "transform", operations: operations, output: output)
    }
}

extension TransformSpec {
    /// The upright size the resize starts from: the source's, or its crop's.
    func croppedSize(_ source: ImageHeader) -> (Int, Int) {
        let (w, h) = (source.orientedWidth, source.orientedHeight)
        switch crop {
        case .region(let left, let top, let width, let height)?: return (max(1, min(width, w - left)), max(1, min(height, h - top)))
        case .box(let width, let height, _, _)?: return (min(width, w), min(height, h))
        case nil: return (w, h)
        }
    }
}

extension TransformSpec.Scale {
    /// `auto` and `adaptive` settled for a source of this upright size, and every resize that
    /// keeps the aspect ratio (`inside`, `outside`, one side given) turned into the exact size
    /// computed from the source's own dimensions, as thumbor and imgproxy compute it: a
    /// shrink-on-load decode rounds its sides, and sizing from that would be a pixel off.
    func resolved(sourceWidth: Int, sourceHeight: Int) -> Self {
        var scale = self
        scale.auto = false
        scale.adaptive = false
        if let width, let height {
            let sourcePortrait = sourceHeight > sourceWidth
            if adaptive, (height > width) != sourcePortrait, height != width { (scale.width, scale.height) = (height, width) }
            if auto { scale.fit = (height > width) == sourcePortrait ? .cover : .inside }
        }
        guard scale.fit == .inside || scale.fit == .outside, sourceWidth > 0, sourceHeight > 0 else { return scale }
        let factors = scale.request.scales(width: sourceWidth, height: sourceHeight)
        scale.width = max(1, Int((Double(sourceWidth) * factors.x).rounded()))
        scale.height = max(1, Int((Double(sourceHeight) * factors.y).rounded()))
        scale.fit = .fill
        scale.upscale = true
        return scale
    }
}

extension TransformSpec.Scale {
    /// The imaging layer's resize for this scale.
    public var request: Resize {
        Resize(width: width, height: height, fit: fit, gravity: gravity, upscale: upscale, focus: focus)
    }
}
