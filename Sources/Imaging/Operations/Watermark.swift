/// A watermark's placement and strength, shared by text and image watermarks.
public struct WatermarkPlacement: Sendable, Equatable {
    /// 0 (invisible) to 1 (opaque).
    public var opacity: Double
    public var position: Gravity
    /// Pixels between the watermark and the edges it is placed against.
    public var margin: Int

    public init(opacity: Double = 0.5, position: Gravity = .southEast, margin: Int = 24) {
        self.opacity = opacity
        self.position = position
        self.margin = margin
    }

    public func validate() throws {
        guard opacity > 0, opacity <= 1 else { throw ImagingError.invalidArgument("watermark opacity must be above 0 and at most 1, not \(opacity)") }
        guard margin >= 0, margin <= 10_000 else { throw ImagingError.invalidArgument("watermark margin must be between 0 and 10000, not \(margin)") }
        guard position != .smart, position != .faces else {
            throw ImagingError.invalidArgument("watermark position cannot be '\(position.rawValue)'")
        }
    }
}

/// Text drawn over the image.
public struct TextWatermark: Sendable, Equatable {
    public var text: String
    /// A fontconfig family name, such as "DejaVu Sans" or "DejaVu Serif Bold".
    public var font: String
    /// Text height in pixels.
    public var size: Int
    public var color: RGBColor
    public var placement: WatermarkPlacement

    public init(text: String, font: String = "DejaVu Sans Bold", size: Int = 48, color: RGBColor = .white, placement: WatermarkPlacement = .init()) {
        self.text = text
        self.font = font
        self.size = size
        self.color = color
        self.placement = placement
    }

    public func validate() throws {
        guard !text.allSatisfy(\.isWhitespace), text.count <= 500 else {
            throw ImagingError.invalidArgument("watermark text must have 1 to 500 characters")
        }
        guard size >= 4, size <= 2000 else { throw ImagingError.invalidArgument("watermark text size must be between 4 and 2000, not \(size)") }
        try placement.validate()
    }
}

/// An image (a logo) drawn over the image.
public struct ImageWatermark: Sendable {
    public var image: Image
    /// The logo's width as a fraction of the base image's width; nil keeps its own size.
    public var scale: Double?
    public var placement: WatermarkPlacement

    public init(image: Image, scale: Double? = 0.2, placement: WatermarkPlacement = .init()) {
        self.image = image
        self.scale = scale
        self.placement = placement
    }

    /// The one rule for a logo's scale, for recipes, URLs and the render.
    public static func checkScale(_ scale: Double) throws {
        guard scale > 0, scale <= 1 else {
            throw ImagingError.invalidArgument("a watermark's scale must be above 0 and at most 1 (a fraction of the image width), not \(scale)")
        }
    }
}
