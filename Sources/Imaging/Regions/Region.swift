/// What found a region: the face detector, or a person who drew it.
public enum RegionKind: String, Sendable, Codable, CaseIterable {
    case face
    case manual
}

/// A rectangle of an image to hide, as fractions (0…1) of the upright image's width and height
/// (the image as displayed, after its EXIF orientation), so one region applies to every size.
public struct Region: Sendable, Codable, Equatable, Hashable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
    public var kind: RegionKind
    /// The detector's confidence (0…1); nil for a region a person drew.
    public var score: Double?

    public init(x: Double, y: Double, width: Double, height: Double, kind: RegionKind, score: Double? = nil) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.kind = kind
        self.score = score
    }

    /// The most regions one image may carry: enough for a crowd, few enough that redacting
    /// them all stays cheap.
    public static let maxPerImage = 1000

    /// Finite, inside the image (a small overhang from rounding is allowed), and not empty.
    public func validate() throws {
        let values = [x, y, width, height] + (score.map { [$0] } ?? [])
        guard values.allSatisfy(\.isFinite) else { throw ImagingError.invalidArgument("a region's numbers must be finite, not NaN or infinite") }
        guard width > 0, height > 0 else {
            throw ImagingError.invalidArgument("a region's width and height must be above 0 (fractions of the image), not \(width)×\(height)")
        }
        let slack = 1e-6
        guard x >= -slack, y >= -slack, x + width <= 1 + slack, y + height <= 1 + slack else {
            throw ImagingError.invalidArgument(
                "a region must lie inside the image: x, y, width and height are fractions (0 to 1) of its size, and x + width and y + height at most 1; got x \(x), y \(y), width \(width), height \(height)"
            )
        }
        if let score, !(0...1).contains(score) { throw ImagingError.invalidArgument("a region's score must be between 0 and 1, not \(score)") }
    }

    /// Every region valid, and no more than `maxPerImage`.
    public static func validate(_ regions: [Region]) throws {
        guard regions.count <= maxPerImage else {
            throw ImagingError.invalidArgument("an image may carry at most \(maxPerImage) regions, not \(regions.count)")
        }
        for region in regions { try region.validate() }
    }

    /// The region grown by `padding` of its own width and height on every side, clipped to the
    /// image.
    public func padded(by padding: Double) -> Region {
        let (dx, dy) = (width * padding, height * padding)
        let left = max(0, x - dx)
        let top = max(0, y - dy)
        let right = min(1, x + width + dx)
        let bottom = min(1, y + height + dy)
        return Region(x: left, y: top, width: right - left, height: bottom - top, kind: kind, score: score)
    }

    /// The smallest whole-pixel rectangle covering the region in a `imageWidth`×`imageHeight`
    /// image (rounded outwards, so nothing of the region is left uncovered), or nil when it
    /// covers no pixel.
    public func pixels(imageWidth: Int, imageHeight: Int) -> (left: Int, top: Int, width: Int, height: Int)? {
        let left = max(0, Int((x * Double(imageWidth)).rounded(.down)))
        let top = max(0, Int((y * Double(imageHeight)).rounded(.down)))
        let right = min(imageWidth, Int(((x + width) * Double(imageWidth)).rounded(.up)))
        let bottom = min(imageHeight, Int(((y + height) * Double(imageHeight)).rounded(.up)))
        guard right > left, bottom > top else { return nil }
        return (left, top, right - left, bottom - top)
    }
}
