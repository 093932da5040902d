import CLibVips
import CVips
import Foundation

/// What a front end paints before an image arrives, computed once from the decode a recipe
/// already makes and kept in the image's record.
public struct Placeholder: Sendable, Codable, Equatable {
    /// BlurHash, with the recipe's components (4 × 3 unless it says otherwise).
    public var blurhash: String
    /// ThumbHash's bytes in standard base64 (its aspect ratio and alpha included).
    public var thumbhash: String
    /// `#rrggbb`: the mean of the visible pixels.
    public var averageColor: String
    /// `#rrggbb`: the mean of the most common colour (pixels binned by 4 bits a channel).
    public var dominantColor: String
    /// A tiny WebP of the image as a `data:` URL, to stretch and blur; nil when the recipe asks
    /// for none.
    public var preview: String?

    public init(blurhash: String, thumbhash: String, averageColor: String, dominantColor: String, preview: String?) {
        self.blurhash = blurhash
        self.thumbhash = thumbhash
        self.averageColor = averageColor
        self.dominantColor = dominantColor
        self.preview = preview
    }
}

/// How placeholders are made, per recipe.
public struct PlaceholderOptions: Sendable, Equatable, Codable {
    /// BlurHash components across and down, 1 to 9 each.
    public var blurhashX: Int
    public var blurhashY: Int
    /// The preview's longer side in pixels, up to `previewSides.upperBound`; 0 for no preview.
    public var previewSide: Int

    public static let previewSides = 0...64
    public static let `default` = PlaceholderOptions(blurhashX: 4, blurhashY: 3, previewSide: 32)

    public init(blurhashX: Int, blurhashY: Int, previewSide: Int) {
        self.blurhashX = blurhashX
        self.blurhashY = blurhashY
        self.previewSide = previewSide
    }

    public func validate() throws {
        for (axis, count) in [("x", blurhashX), ("y", blurhashY)] where !BlurHash.components.contains(count) {
            throw ImagingError.invalidArgument(
                "blurhash \(axis) must be \(BlurHash.components.lowerBound) to \(BlurHash.components.upperBound) components, not \(count)")
        }
        guard Self.previewSides.contains(previewSide) else {
            throw ImagingError.invalidArgument(
                "the preview's side must be \(Self.previewSides.lowerBound) to \(Self.previewSides.upperBound) pixels (0 for none), not \(previewSide)"
            )
        }
    }
}

extension Image {
    /// The placeholder of this whole, upright frame. `hiding` are regions the recipe redacts:
    /// they are filled with the average colour first, so no placeholder shows what the
    /// variants hide. The work is on a copy of at most 100 × 100 pixels.
    public func placeholder(_ options: PlaceholderOptions, hiding: [Region] = []) throws -> Placeholder {
        try options.validate()
        // Box filters only: an average is what a hash of colours wants, and libvips's resize
        // would compile vector code for each new ratio (milliseconds an image, more than the
        // hashes). An integer shrink first, then the last step here in Swift.
        var small = self
        let factor = (max(width, height) + ThumbHash.maxSide - 1) / ThumbHash.maxSide
        if factor > 1 {
            // Never below one pixel on the short side (a 3000 × 2 strip stays 2 high).
            let (across, down) = (Double(min(factor, width)), Double(min(factor, height)))
            small = try small.derive("placeholder shrink") { dr_shrink($0, across, down) }
        }
        small = try small.convertedToSRGB().materialized()
        var pixels = try RGBAPixels(small)
        let average = pixels.averageColor
        if !hiding.isEmpty {
            small = try small.redacted(hiding, mode: .fill(average)).materialized()
            pixels = try RGBAPixels(small)
        }
        let flattened = pixels.flattened(onto: .white)
        var preview: String?
        if options.previewSide > 0 {
            let tiny = pixels.boxResized(fittingIn: options.previewSide)
            // An opaque preview goes without an alpha plane (smaller, and what JPEG sources are).
            let opaque = stride(from: 3, to: tiny.bytes.count, by: 4).allSatisfy { tiny.bytes[$0] == 255 }
            let bytes = opaque ? tiny.bytes.enumerated().filter { $0.offset % 4 != 3 }.map(\.element) : tiny.bytes
            let image = try Image(pixels: bytes, width: tiny.width, height: tiny.height, bands: opaque ? 3 : 4)
            let encoded = try image.encoded(EncodeOptions(format: .webp, quality: 40))
            preview = "data:image/webp;base64," + Data(encoded.bytes).base64EncodedString()
        }
        return Placeholder(
            blurhash: BlurHash.encode(
                pixels: flattened, width: pixels.width, height: pixels.height, bands: 3, x: options.blurhashX, y: options.blurhashY),
            thumbhash: Data(ThumbHash.encode(rgba: pixels.bytes, width: pixels.width, height: pixels.height)).base64EncodedString(),
            averageColor: average.hex, dominantColor: pixels.dominantColor(fallback: average).hex, preview: preview)
    }
}

/// An 8-bit sRGB image's pixels as interleaved RGBA, whatever its bands were.
struct RGBAPixels {
    let width: Int
    let height: Int
    let bytes: [UInt8]

    init(_ image: Image) throws {
        let raw = try image.pixelBytes()
        let bands = image.bands
        let count = image.width * image.height
        guard bands >= 1, raw.count == count * bands else { throw ImagingError.processingFailed("reading pixels", detail: "\(bands) bands") }
        var rgba = [UInt8](repeating: 255, count: count * 4)
        for i in 0..<count {
            let source = i * bands
            let target = i * 4
            if bands < 3 {
                (rgba[target], rgba[target + 1], rgba[target + 2]) = (raw[source], raw[source], raw[source])
                if bands == 2 { rgba[target + 3] = raw[source + 1] }
            } else {
                (rgba[target], rgba[target + 1], rgba[target + 2]) = (raw[source], raw[source + 1], raw[source + 2])
                if bands >= 4 { rgba[target + 3] = raw[source + 3] }
            }
        }
        (width, height, bytes) = (image.width, image.height, rgba)
    }

    /// The mean colour, each pixel weighted by its alpha; white when nothing is visible.
    var averageColor: RGBColor {
        var (r, g, b, weight) = (0.0, 0.0, 0.0, 0.0)
        for i in stride(from: 0, to: bytes.count, by: 4) {
            let alpha = Double(bytes[i + 3])
            r += Double(bytes[i]) * alpha
            g += Double(bytes[i + 1]) * alpha
            b += Double(bytes[i + 2]) * alpha
            weight += alpha
        }
        guard weight > 0 else { return .white }
        return RGBColor(red: UInt8((r / weight).rounded()), green: UInt8((g / weight).rounded()), blue: UInt8((b / weight).rounded()))
    }

    /// The mean of the fullest bin of 16 levels a channel, over pixels at least half opaque.
    func dominantColor(fallback: RGBColor) -> RGBColor {
        var counts = [Int](repeating: 0, count: 4096)
        var sums = [(Int, Int, Int)](repeating: (0, 0, 0), count: 4096)
        for i in stride(from: 0, to: bytes.count, by: 4) where bytes[i + 3] >= 128 {
            let bin = Int(bytes[i] >> 4) << 8 | Int(bytes[i + 1] >> 4) << 4 | Int(bytes[i + 2] >> 4)
            counts[bin] += 1
            sums[bin].0 += Int(bytes[i])
            sums[bin].1 += Int(bytes[i + 1])
            sums[bin].2 += Int(bytes[i + 2])
        }
        guard let best = counts.indices.max(by: { counts[$0] < counts[$1] }), counts[best] > 0 else { return fallback }
        let n = Double(counts[best])
        return RGBColor(
            red: UInt8((Double(sums[best].0) / n).rounded()), green: UInt8((Double(sums[best].1) / n).rounded()),
            blue: UInt8((Double(sums[best].2) / n).rounded()))
    }

    init(width: Int, height: Int, bytes: [UInt8]) {
        (self.width, self.height, self.bytes) = (width, height, bytes)
    }

    /// Scaled by area averaging so the longer side is `side` (never enlarged).
    func boxResized(fittingIn side: Int) -> RGBAPixels {
        let longer = max(width, height)
        guard longer > side else { return self }
        let w = max(1, Int((Double(width) * Double(side) / Double(longer)).rounded()))
        let h = max(1, Int((Double(height) * Double(side) / Double(longer)).rounded()))
        var out = [UInt8](repeating: 0, count: w * h * 4)
        for ty in 0..<h {
            let y0 = ty * height / h
            let y1 = max(y0 + 1, (ty + 1) * height / h)
            for tx in 0..<w {
                let x0 = tx * width / w
                let x1 = max(x0 + 1, (tx + 1) * width / w)
                var sums = (0, 0, 0, 0)
                for y in y0..<y1 {
                    for x in x0..<x1 {
                        let i = (y * width + x) * 4
                        sums.0 += Int(bytes[i])
                        sums.1 += Int(bytes[i + 1])
                        sums.2 += Int(bytes[i + 2])
                        sums.3 += Int(bytes[i + 3])
                    }
                }
                let n = (y1 - y0) * (x1 - x0)
                let o = (ty * w + tx) * 4
                (out[o], out[o + 1], out[o + 2], out[o + 3]) = (
                    UInt8((sums.0 + n / 2) / n), UInt8((sums.1 + n / 2) / n), UInt8((sums.2 + n / 2) / n), UInt8((sums.3 + n / 2) / n)
                )
            }
        }
        return RGBAPixels(width: w, height: h, bytes: out)
    }

    /// RGB with alpha composited onto `background`.
    func flattened(onto background: RGBColor) -> [UInt8] {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        let back = [background.red, background.green, background.blue].map(Double.init)
        for i in 0..<(width * height) {
            let alpha = Double(bytes[i * 4 + 3]) / 255
            for c in 0..<3 {
                rgb[i * 3 + c] = UInt8((Double(bytes[i * 4 + c]) * alpha + back[c] * (1 - alpha)).rounded())
            }
        }
        return rgb
    }
}
