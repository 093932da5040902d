import Foundation

/// BlurHash (blurha.sh): a few DCT components of an image in linear light, written in base 83.
/// This is the reference algorithm (Wolt's `encode`), checked in the tests against PyPI's
/// independent `blurhash` package.
public enum BlurHash {
    /// Each axis takes 1 to 9 components.
    public static let components = 1...9

    /// The hash of interleaved 8-bit sRGB pixels (`bands` 3 or 4; alpha is ignored, so flatten
    /// first), with `x` × `y` components.
    static func encode(pixels: [UInt8], width: Int, height: Int, bands: Int, x: Int, y: Int) -> String {
        precondition(components.contains(x) && components.contains(y) && pixels.count == width * height * bands)
        let linear = SRGB.toLinearTable
        // cos(π·i·px/width) for every component and column, and the same for rows.
        let cosX = (0..<x).map { i in (0..<width).map { cos(Double.pi * Double(i) * Double($0) / Double(width)) } }
        let cosY = (0..<y).map { j in (0..<height).map { cos(Double.pi * Double(j) * Double($0) / Double(height)) } }
        var factors: [(Double, Double, Double)] = []
        for j in 0..<y {
            for i in 0..<x {
                let normalisation = (i == 0 && j == 0) ? 1.0 : 2.0
                var (r, g, b) = (0.0, 0.0, 0.0)
                for row in 0..<height {
                    let fy = cosY[j][row]
                    var offset = row * width * bands
                    for column in 0..<width {
                        let basis = cosX[i][column] * fy
                        r += basis * linear[Int(pixels[offset])]
                        g += basis * linear[Int(pixels[offset + 1])]
                        b += basis * linear[Int(pixels[offset + 2])]
                        offset += bands
                    }
                }
                let scale = normalisation / Double(width * height)
                factors.append((r * scale, g * scale, b * scale))
            }
        }
        var hash = base83((x - 1) + (y - 1) * 9, length: 1)
        let ac = factors.dropFirst()
        let maximum: Double
        if ac.isEmpty {
            maximum = 1
            hash += base83(0, length: 1)
        } else {
            let actual = ac.map { max(abs($0.0), abs($0.1), abs($0.2)) }.max() ?? 0
            let quantised = Int(max(0, min(82, (actual * 166 - 0.5).rounded(.down))))
            maximum = Double(quantised + 1) / 166
            hash += base83(quantised, length: 1)
        }
        let dc = factors[0]
        hash += base83((SRGB.fromLinear(dc.0) << 16) + (SRGB.fromLinear(dc.1) << 8) + SRGB.fromLinear(dc.2), length: 4)
        for factor in ac {
            func quantise(_ value: Double) -> Int {
                Int(max(0, min(18, (signedPow(value / maximum, 0.5) * 9 + 9.5).rounded(.down))))
            }
            hash += base83(quantise(factor.0) * 19 * 19 + quantise(factor.1) * 19 + quantise(factor.2), length: 2)
        }
        return hash
    }

    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~")

    private static func base83(_ value: Int, length: Int) -> String {
        var result = ""
        for position in 1...length {
            var divisor = 1
            for _ in 0..<(length - position) { divisor *= 83 }
            result.append(alphabet[(value / divisor) % 83])
        }
        return result
    }

    private static func signedPow(_ value: Double, _ exponent: Double) -> Double {
        value < 0 ? -pow(-value, exponent) : pow(value, exponent)
    }
}

/// sRGB's transfer function, both ways.
enum SRGB {
    /// Every 8-bit value in linear light, 0 to 1.
    static let toLinearTable: [Double] = (0..<256).map { value in
        let v = Double(value) / 255
        return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4)
    }

    /// Linear light (clamped to 0…1) to an 8-bit sRGB value.
    static func fromLinear(_ value: Double) -> Int {
        let v = max(0, min(1, value))
        return v <= 0.0031308 ? Int(v * 12.92 * 255 + 0.5) : Int((1.055 * pow(v, 1 / 2.4) - 0.055) * 255 + 0.5)
    }
}
