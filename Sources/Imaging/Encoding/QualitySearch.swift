/// `quality: auto`: the lowest quality whose output still looks like the image, by SSIM.
public struct QualityTarget: Sendable, Equatable, Codable {
    /// The SSIM the output must reach against the image it encodes (luma, 7 × 7 windows).
    public var ssim: Double
    /// The qualities searched, inclusive.
    public var minQuality: Int
    public var maxQuality: Int

    public static let `default` = QualityTarget(ssim: 0.98, minQuality: 40, maxQuality: 95)
    public static let ssimRange = 0.5...0.9999

    public init(ssim: Double, minQuality: Int, maxQuality: Int) {
        self.ssim = ssim
        self.minQuality = minQuality
        self.maxQuality = maxQuality
    }

    /// The first setting outside its range, named as recipes name it.
    var invalidSetting: (field: String, reason: String)? {
        guard Self.ssimRange.contains(ssim) else {
            return ("target", "must be an SSIM between \(Self.ssimRange.lowerBound) and \(Self.ssimRange.upperBound), not \(ssim)")
        }
        guard (1...100).contains(minQuality), (1...100).contains(maxQuality), minQuality <= maxQuality else {
            return ("qualityRange", "must be two qualities from 1 to 100, the lower first, not \(minQuality)–\(maxQuality)")
        }
        return nil
    }
}

/// What the quality search chose, for the variant's record.
public struct QualityChoice: Sendable, Equatable, Codable {
    public var quality: Int
    /// The output's SSIM against the image it encodes; nil when only `maxBytes` was searched.
    public var ssim: Double?
    /// Encodes tried.
    public var steps: Int
    /// False when even the lowest quality was over `maxBytes` (the lowest is then kept).
    public var fitsMaxBytes: Bool

    public init(quality: Int, ssim: Double?, steps: Int, fitsMaxBytes: Bool) {
        (self.quality, self.ssim, self.steps, self.fitsMaxBytes) = (quality, ssim, steps, fitsMaxBytes)
    }
}

/// SSIM as scikit-image's `structural_similarity` computes it by default on 8-bit luma: 7 × 7
/// uniform windows, sample covariances, K1 = 0.01, K2 = 0.03, the mean over the windows that lie
/// wholly inside the image. Luma is ITU-R 601 (Pillow's `convert("L")`). Column sums roll down
/// the rows, so memory is a few rows, whatever the image's height.
public enum SSIM {
    public static let window = 7

    /// Luma of 8-bit RGB or RGBA pixels (alpha ignored: flatten first).
    public static func luma(_ pixels: [UInt8], bands: Int) -> [UInt8] {
        precondition(bands >= 3)
        let count = pixels.count / bands
        var out = [UInt8](repeating: 0, count: count)
        pixels.withUnsafeBufferPointer { p in
            for i in 0..<count {
                let o = i * bands
                let y = (Int(p[o]) * 299 + Int(p[o + 1]) * 587 + Int(p[o + 2]) * 114 + 500) / 1000
                out[i] = UInt8(min(255, y))
            }
        }
        return out
    }

    /// The mean SSIM of two luma planes of `width` × `height`; 1 for images smaller than a window.
    public static func score(_ a: [UInt8], _ b: [UInt8], width: Int, height: Int) -> Double {
        precondition(a.count == width * height && b.count == width * height)
        let w = window
        guard width >= w, height >= w else { return a == b ? 1 : 0 }
        let n = Double(w * w)
        let covNorm = n / (n - 1)
        let c1 = (0.01 * 255) * (0.01 * 255)
        let c2 = (0.03 * 255) * (0.03 * 255)
        // Column sums over the last `w` rows of x, y, x², y², xy.
        var sx = [Double](repeating: 0, count: width)
        var sy = sx
        var sxx = sx
        var syy = sx
        var sxy = sx
        var total = 0.0
        var windows = 0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                for row in 0..<height {
                    let base = row * width
                    let old = row - w
                    for col in 0..<width {
                        let x = Double(pa[base + col])
                        let y = Double(pb[base + col])
                        sx[col] += x
                        sy[col] += y
                        sxx[col] += x * x
                        syy[col] += y * y
                        sxy[col] += x * y
                        if old >= 0 {
                            let ox = Double(pa[old * width + col])
                            let oy = Double(pb[old * width + col])
                            sx[col] -= ox
                            sy[col] -= oy
                            sxx[col] -= ox * ox
                            syy[col] -= oy * oy
                            sxy[col] -= ox * oy
                        }
                    }
                    guard row >= w - 1 else { continue }
                    var (wx, wy, wxx, wyy, wxy) = (0.0, 0.0, 0.0, 0.0, 0.0)
                    for col in 0..<width {
                        wx += sx[col]
                        wy += sy[col]
                        wxx += sxx[col]
                        wyy += syy[col]
                        wxy += sxy[col]
                        if col >= w {
                            wx -= sx[col - w]
                            wy -= sy[col - w]
                            wxx -= sxx[col - w]
                            wyy -= syy[col - w]
                            wxy -= sxy[col - w]
                        }
                        guard col >= w - 1 else { continue }
                        let ux = wx / n
                        let uy = wy / n
                        let vx = covNorm * (wxx / n - ux * ux)
                        let vy = covNorm * (wyy / n - uy * uy)
                        let vxy = covNorm * (wxy / n - ux * uy)
                        let numerator = (2 * ux * uy + c1) * (2 * vxy + c2)
                        let denominator = (ux * ux + uy * uy + c1) * (vx + vy + c2)
                        total += numerator / denominator
                        windows += 1
                    }
                }
            }
        }
        return total / Double(windows)
    }
}

extension Image {
    /// Encodes with the quality searched: for `options.qualityTarget`, the lowest quality in its
    /// range whose output reaches the SSIM target (a bisection, at most ⌈log₂ range⌉ + 1
    /// encodes, each scored against this image); then, for `options.maxBytes`, the highest
    /// quality up to that one whose output fits. Formats without a quality (PNG, GIF, lossless
    /// WebP) are refused by `EncodeOptions.validate`.
    func encodedSearchingQuality(_ options: EncodeOptions) throws -> (EncodedImage, QualityChoice) {
        var fixed = options
        (fixed.qualityTarget, fixed.maxBytes) = (nil, nil)
        var steps = 0
        var tried: [Int: EncodedImage] = [:]
        func encode(_ quality: Int) throws -> EncodedImage {
            if let done = tried[quality] { return done }
            fixed.quality = quality
            steps += 1
            let image = try encoded(fixed)
            tried[quality] = image
            return image
        }
        var reference: [UInt8]?
        func ssim(_ encoded: EncodedImage) throws -> Double {
            if reference == nil { reference = try comparableLuma(of: self, background: options.background) }
            let decoded = try ImageSource.open(encoded.bytes).decode()
            guard decoded.width == width, decoded.height == height else { return 0 }
            return SSIM.score(reference!, try comparableLuma(of: decoded, background: options.background), width: width, height: height)
        }
        var scores: [Int: Double] = [:]
        var chosen = options.quality ?? options.format.defaultQuality
        var lowest = 1
        if let target = options.qualityTarget {
            (lowest, chosen) = (target.minQuality, target.maxQuality)
            var (low, high) = (target.minQuality, target.maxQuality)
            // The lowest quality that reaches the target; the highest when none does.
            while low < high {
                let middle = (low + high) / 2
                let score = try ssim(try encode(middle))
                scores[middle] = score
                if score >= target.ssim { high = middle } else { low = middle + 1 }
            }
            chosen = low
            if scores[chosen] == nil { scores[chosen] = try ssim(try encode(chosen)) }
        }
        var fits = true
        if let maxBytes = options.maxBytes, try encode(chosen).bytes.count > maxBytes {
            // The highest quality below the chosen one that fits.
            var (low, high) = (lowest, chosen - 1)
            var best: Int?
            while low <= high {
                let middle = (low + high) / 2
                if try encode(middle).bytes.count <= maxBytes {
                    best = middle
                    low = middle + 1
                } else {
                    high = middle - 1
                }
            }
            fits = best != nil
            chosen = best ?? lowest
            if options.qualityTarget != nil, scores[chosen] == nil { scores[chosen] = try ssim(try encode(chosen)) }
        }
        let result = try encode(chosen)
        return (result, QualityChoice(quality: chosen, ssim: scores[chosen], steps: steps, fitsMaxBytes: fits))
    }
}

/// 8-bit luma of an image, alpha flattened as the encoder flattens it.
private func comparableLuma(of image: Image, background: RGBColor) throws -> [UInt8] {
    let rgb = try image.flattened(onto: background).convertedToSRGB()
    let bands = rgb.bands
    let pixels = try rgb.pixelBytes()
    if bands >= 3 { return SSIM.luma(pixels, bands: bands) }
    // Grey (with or without alpha after the flatten): the first band is luma already.
    return stride(from: 0, to: pixels.count, by: bands).map { pixels[$0] }
}
