/// Reads WebP's RIFF chunks: VP8 (lossy), VP8L (lossless), or VP8X (extended, with animation
/// frames counted from its ANMF chunks). The RIFF size must fit in the file, and so must every
/// chunk: a WebP cut short is refused. Bytes after the RIFF data are allowed.
enum WebPHeader {
    static func read(_ b: ByteReader) throws -> DeclaredSize {
        guard let riffSize = b.u32le(at: 4), riffSize >= 4 else { throw ImagingError.corrupt(.webp, "the RIFF header is malformed") }
        guard 8 + riffSize <= b.count else {
            throw ImagingError.corrupt(.webp, "the file is \(b.count) bytes but its RIFF header declares \(8 + riffSize); it was cut short")
        }
        let end = 8 + riffSize
        var i = 12
        var size: DeclaredSize?
        var animationFrames = 0
        while i + 8 <= end, let chunkSize = b.u32le(at: i + 4), let fourCC = b.ascii(at: i, count: 4) {
            let data = i + 8
            guard data + chunkSize <= end else {
                throw ImagingError.corrupt(.webp, "\(b.describeFourCC(at: i)) chunk runs past the end of the file; it was cut short")
            }
            switch fourCC {
            case "VP8 " where size == nil:
                guard b.matches([0x9D, 0x01, 0x2A], at: data + 3), let w = b.u16le(at: data + 6), let h = b.u16le(at: data + 8) else {
                    throw ImagingError.corrupt(.webp, "the VP8 frame header is malformed")
                }
                size = DeclaredSize(width: w & 0x3FFF, height: h & 0x3FFF)
            case "VP8L" where size == nil:
                guard b.u8(at: data) == 0x2F, let bits = b.u32le(at: data + 1) else {
                    throw ImagingError.corrupt(.webp, "the VP8L header is malformed")
                }
                size = DeclaredSize(width: (bits & 0x3FFF) + 1, height: ((bits >> 14) & 0x3FFF) + 1)
            case "VP8X":
                guard let w = b.u24le(at: data + 4), let h = b.u24le(at: data + 7) else {
                    throw ImagingError.corrupt(.webp, "the VP8X header is cut short")
                }
                size = DeclaredSize(width: w + 1, height: h + 1)
            case "ANMF":
                animationFrames += 1
            default:
                break
            }
            i = data + chunkSize + (chunkSize & 1)
        }
        guard var result = size else { throw ImagingError.corrupt(.webp, "no image header was found") }
        guard (result.width ?? 0) > 0, (result.height ?? 0) > 0 else {
            throw ImagingError.corrupt(.webp, "it declares a zero width or height")
        }
        result.frames = max(1, animationFrames)
        return result
    }
}
