import CLibVips
import CVips

/// 8-bit interleaved pixels of a small copy of an image, for a detector.
public struct PixelProbe: Sendable {
    public var pixels: [UInt8]
    public var width: Int
    public var height: Int
    /// 3: RGB.
    public var bands: Int
}

extension Image {
    /// The image fitted inside `maxSide`×`maxSide` (never enlarged), as 8-bit sRGB without alpha
    /// (flattened on black), for a detector that works on a fixed-size probe.
    public func probe(maxSide: Int) throws -> PixelProbe {
        var image = self
        let longest = max(width, height)
        if longest > maxSide {
            image = try image.resized(Resize(width: maxSide, height: maxSide, fit: .inside, kernel: .linear))
        }
        if image.hasAlpha { image = try image.derive("probe flatten") { dr_flatten($0, 0, 0, 0) } }
        if image.bands < 3 { image = try image.derive("probe colour") { dr_colourspace($0, VIPS_INTERPRETATION_sRGB) } }
        if image.bands > 3 { image = try image.derive("probe bands") { dr_extract_bands($0, 0, 3) } }
        let bytes = try image.pixelBytes()
        return PixelProbe(pixels: bytes, width: image.width, height: image.height, bands: 3)
    }
}
