/// How a region is hidden.
public enum RedactionMode: Sendable, Equatable, Codable {
    /// The samples destroyed: the region shrunk to blocks of `block` pixels (an average each) and
    /// enlarged again with nearest neighbour. Never fewer than `minBlocksAcross` blocks across the
    /// region's shorter side, so a small face becomes a mosaic, not one flat tile.
    case pixelate(block: Int)
    /// A Gaussian blur of `sigma` pixels, never less than a tenth of the region's shorter side.
    case blur(sigma: Double)
    /// A flat colour.
    case fill(RGBColor)

    public static let minBlocksAcross = 8
    public static let defaultBlock = 16
    public static let defaultSigma = 25.0

    public var name: String {
        switch self {
        case .pixelate: "pixelate"
        case .blur: "blur"
        case .fill: "fill"
        }
    }

    public func validate() throws {
        switch self {
        case .pixelate(let block): try OperationRules.checkPixelate(block: block)
        case .blur(let sigma): try OperationRules.checkBlur(sigma: sigma)
        case .fill: break
        }
    }
}

/// Which regions a redaction hides, how, and with how much margin.
public struct Redaction: Sendable, Equatable, Codable {
    /// Hide the faces the detector found (and a person kept).
    public var faces: Bool
    /// Hide the regions a person drew.
    public var manual: Bool
    public var mode: RedactionMode
    /// Each box grown by this fraction of its size on every side, to cover hair and jaw.
    public var padding: Double
    /// Boxes this redaction hides besides the image's own regions: imgproxy's `blur_areas`.
    public var areas: [Region]

    public static let defaultPadding = 0.2
    public static let paddingRange = 0.0...2.0

    public init(
        faces: Bool = true, manual: Bool = true, mode: RedactionMode = .pixelate(block: RedactionMode.defaultBlock), padding: Double = defaultPadding,
        areas: [Region] = []
    ) {
        self.faces = faces
        self.manual = manual
        self.mode = mode
        self.padding = padding
        self.areas = areas
    }

    public func validate() throws {
        guard faces || manual || !areas.isEmpty else { throw ImagingError.invalidArgument("a redaction must hide faces, manual regions, or both") }
        try Region.validate(areas)
        guard padding.isFinite, Self.paddingRange.contains(padding) else {
            throw ImagingError.invalidArgument("redaction padding must be between 0 and 2 (a fraction of each box), not \(padding)")
        }
        try mode.validate()
    }

    /// The regions of `all` this redaction hides, padded.
    public func selecting(_ all: [Region]) -> [Region] {
        (all.filter { ($0.kind == .face && faces) || ($0.kind == .manual && manual) } + areas).map { $0.padded(by: padding) }
    }
}
