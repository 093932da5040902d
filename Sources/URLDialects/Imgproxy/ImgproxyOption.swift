import Imaging

/// imgproxy's processing options that Darkroom supports, with their aliases: the one table the
/// parser reads. An option missing here is refused with imgproxy's 404, never ignored.
enum ImgproxyOption: String, CaseIterable, Sendable {
    case resize, size
    case resizingType = "resizing_type"
    case width, height, gravity, crop, quality, format, blur, sharpen, pixelate, watermark, rotate, flip
    case stripMetadata = "strip_metadata"
    case background, enlarge, extend, dpr, preset, cachebuster, expires, filename
    case returnAttachment = "return_attachment"
    case blurDetections = "blur_detections"
    /// Darkroom's own: `blur_detections` with a mosaic instead of a blur.
    case pixelateDetections = "pixelate_detections"
    case blurAreas = "blur_areas"
    case maxBytes = "max_bytes"

    var aliases: [String] {
        switch self {
        case .resize: ["rs"]
        case .size: ["s"]
        case .resizingType: ["rt"]
        case .width: ["w"]
        case .height: ["h"]
        case .gravity: ["g"]
        case .crop: ["c"]
        case .quality: ["q"]
        case .format: ["f", "ext"]
        case .blur: ["bl"]
        case .sharpen: ["sh"]
        case .pixelate: ["pix"]
        case .watermark: ["wm"]
        case .rotate: ["rot"]
        case .flip: ["fl"]
        case .stripMetadata: ["sm"]
        case .background: ["bg"]
        case .enlarge: ["el"]
        case .extend: ["ex"]
        case .dpr: []
        case .preset: ["pr"]
        case .cachebuster: ["cb"]
        case .expires: ["exp"]
        case .filename: ["fn"]
        case .returnAttachment: ["att"]
        case .blurDetections: ["bd"]
        case .pixelateDetections: ["pxd"]
        case .blurAreas: ["ba"]
        case .maxBytes: ["mb"]
        }
    }

    /// The option a name or alias stands for.
    static func named(_ name: String) -> ImgproxyOption? {
        allCases.first { $0.rawValue == name || $0.aliases.contains(name) }
    }
}

/// imgproxy's gravity names.
enum ImgproxyGravity {
    static let names: [String: Gravity] = [
        "ce": .centre, "no": .north, "so": .south, "ea": .east, "we": .west, "noea": .northEast, "nowe": .northWest, "soea": .southEast,
        "sowe": .southWest, "sm": .smart,
    ]
}
