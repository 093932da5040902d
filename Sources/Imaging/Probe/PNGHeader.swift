/// Walks PNG chunks: IHDR for the size, acTL for an animation's frame count, and IEND, which
/// must be complete. A PNG cut short anywhere, even in its last chunk, is refused.
/// An acTL with an impossible frame count is ignored, as libpng ignores it.
enum PNGHeader {
    static func read(_ b: ByteReader) throws -> DeclaredSize {
        guard b.ascii(at: 12, count: 4) == "IHDR", b.u32be(at: 8) == 13,
            let width = b.u32be(at: 16), let height = b.u32be(at: 20)
        else { throw ImagingError.corrupt(.png, "the IHDR header is missing or malformed") }
        guard width > 0, height > 0, width < 1 << 31, height < 1 << 31 else {
            throw ImagingError.corrupt(.png, "it declares an invalid width or height")
        }
        var size = DeclaredSize(width: width, height: height)
        var i = 8
        while true {
            guard let length = b.u32be(at: i), let type = b.ascii(at: i + 4, count: 4) else {
                throw ImagingError.corrupt(.png, "the file ends before its IEND chunk")
            }
            guard length < 1 << 31 else { throw ImagingError.corrupt(.png, "a chunk declares an impossible length") }
            let next = i + 12 + length
            guard next <= b.count else { throw ImagingError.corrupt(.png, "\(b.describeFourCC(at: i + 4)) chunk is cut short") }
            // The APNG spec makes an out-of-range frame count mean "a still image", as libpng reads it.
            if type == "acTL", let frames = b.u32be(at: i + 8), frames > 0, frames < 1 << 31 { size.frames = frames }
            if type == "IEND" { return size }
            i = next
        }
    }
}
