import Foundation

/// ThumbHash (evanw.github.io/thumbhash): an image's DCT in a luminance and two colour channels
/// (and alpha when it has any), its aspect ratio and average colour, in about 25 bytes. This is
/// the reference `rgbaToThumbHash`; the tests decode its output with PyPI's `thumbhash`.
public enum ThumbHash {
    /// The largest side the encoder takes.
    public static let maxSide = 100

    /// The hash of interleaved 8-bit RGBA pixels, at most 100 × 100.
    static func encode(rgba: [UInt8], width w: Int, height h: Int) -> [UInt8] {
        precondition(w > 0 && h > 0 && w <= maxSide && h <= maxSide && rgba.count == w * h * 4)
        var (avgR, avgG, avgB, avgA) = (0.0, 0.0, 0.0, 0.0)
        for i in 0..<(w * h) {
            let j = i * 4
            let alpha = Double(rgba[j + 3]) / 255
            avgR += alpha / 255 * Double(rgba[j])
            avgG += alpha / 255 * Double(rgba[j + 1])
            avgB += alpha / 255 * Double(rgba[j + 2])
            avgA += alpha
        }
        if avgA > 0 {
            avgR /= avgA
            avgG /= avgA
            avgB /= avgA
        }
        let hasAlpha = avgA < Double(w * h)
        let lLimit = hasAlpha ? 5.0 : 7.0
        let longer = Double(max(w, h))
        let lx = max(1, Int(jsRound(lLimit * Double(w) / longer)))
        let ly = max(1, Int(jsRound(lLimit * Double(h) / longer)))
        var l = [Double](repeating: 0, count: w * h)
        var p = l
        var q = l
        var a = l
        for i in 0..<(w * h) {
            let j = i * 4
            let alpha = Double(rgba[j + 3]) / 255
            let r = avgR * (1 - alpha) + alpha / 255 * Double(rgba[j])
            let g = avgG * (1 - alpha) + alpha / 255 * Double(rgba[j + 1])
            let b = avgB * (1 - alpha) + alpha / 255 * Double(rgba[j + 2])
            l[i] = (r + g + b) / 3
            p[i] = (r + g) / 2 - b
            q[i] = r - g
            a[i] = alpha
        }

        func encodeChannel(_ channel: [Double], _ nx: Int, _ ny: Int) -> (dc: Double, ac: [Double], scale: Double) {
            var dc = 0.0
            var ac: [Double] = []
            var scale = 0.0
            var fx = [Double](repeating: 0, count: w)
            for cy in 0..<ny {
                var cx = 0
                while cx * ny < nx * (ny - cy) {
                    var f = 0.0
                    for x in 0..<w { fx[x] = cos(Double.pi / Double(w) * Double(cx) * (Double(x) + 0.5)) }
                    for y in 0..<h {
                        let fy = cos(Double.pi / Double(h) * Double(cy) * (Double(y) + 0.5))
                        for x in 0..<w { f += channel[x + y * w] * fx[x] * fy }
                    }
                    f /= Double(w * h)
                    if cx > 0 || cy > 0 {
                        ac.append(f)
                        scale = max(scale, abs(f))
                    } else {
                        dc = f
                    }
                    cx += 1
                }
            }
            if scale > 0 { ac = ac.map { 0.5 + 0.5 / scale * $0 } }
            return (dc, ac, scale)
        }

        let lChannel = encodeChannel(l, max(3, lx), max(3, ly))
        let pChannel = encodeChannel(p, 3, 3)
        let qChannel = encodeChannel(q, 3, 3)
        let aChannel = hasAlpha ? encodeChannel(a, 5, 5) : nil
        let isLandscape = w > h
        let header24 =
            Int(jsRound(63 * lChannel.dc)) | (Int(jsRound(31.5 + 31.5 * pChannel.dc)) << 6) | (Int(jsRound(31.5 + 31.5 * qChannel.dc)) << 12)
            | (Int(jsRound(31 * lChannel.scale)) << 18) | ((hasAlpha ? 1 : 0) << 23)
        let header16 =
            (isLandscape ? ly : lx) | (Int(jsRound(63 * pChannel.scale)) << 3) | (Int(jsRound(63 * qChannel.scale)) << 9)
            | ((isLandscape ? 1 : 0) << 15)
        var hash: [UInt8] = [
            UInt8(header24 & 255), UInt8((header24 >> 8) & 255), UInt8(header24 >> 16), UInt8(header16 & 255), UInt8(header16 >> 8),
        ]
        if let aChannel { hash.append(UInt8(Int(jsRound(15 * aChannel.dc)) | (Int(jsRound(15 * aChannel.scale)) << 4))) }
        var odd = false
        for f in lChannel.ac + pChannel.ac + qChannel.ac + (aChannel?.ac ?? []) {
            let u = UInt8(Int(jsRound(15 * f)))
            if odd { hash[hash.count - 1] |= u << 4 } else { hash.append(u) }
            odd.toggle()
        }
        return hash
    }

    /// JavaScript's `Math.round`: halves go up, as the reference encoder rounds.
    private static func jsRound(_ value: Double) -> Double { (value + 0.5).rounded(.down) }
}
