import Imaging

/// The one generated test photo: red follows x, green follows y, blue is constant, so a crop, a
/// flip or a resize shows in the pixels; `grain` adds deterministic noise where an encoder or a
/// blur needs detail to work on.
public enum TestPhoto {
    public static func image(width: Int, height: Int, blue: UInt8 = 90, grain: Bool = false) throws -> Image {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var state: UInt32 = 7
        for y in 0..<height {
            for x in 0..<width {
                var noise = 0
                if grain {
                    state = state &* 1_664_525 &+ 1_013_904_223
                    noise = Int(state >> 28)
                }
                let i = (y * width + x) * 3
                pixels[i] = UInt8(min(255, x * 255 / width + noise))
                pixels[i + 1] = UInt8(min(255, y * 255 / height + noise))
                pixels[i + 2] = UInt8(min(255, Int(blue) + noise))
            }
        }
        return try Image(pixels: pixels, width: width, height: height, bands: 3)
    }

    /// The photo encoded, as a JPEG with the encoder's defaults unless told otherwise.
    public static func bytes(
        width: Int, height: Int, blue: UInt8 = 90, grain: Bool = false, as options: EncodeOptions = EncodeOptions(format: .jpeg)
    ) throws -> [UInt8] {
        try image(width: width, height: height, blue: blue, grain: grain).encoded(options).bytes
    }
}
