/// Walks GIF blocks: the logical screen, then every frame's image descriptor. Frames that reach
/// outside the logical screen are refused: they are a known decompression-bomb shape, and
/// libvips 8.14 aborts the whole process when a GIF makes it allocate too much. A file cut short
/// inside a frame or an extension is refused; the trailer after the last whole frame may be
/// missing, as browsers allow.
enum GIFHeader {
    static func read(_ b: ByteReader) throws -> DeclaredSize {
        guard let width = b.u16le(at: 6), let height = b.u16le(at: 8), let flags = b.u8(at: 10) else {
            throw ImagingError.corrupt(.gif, "the header is cut short")
        }
        guard width > 0, height > 0 else { throw ImagingError.corrupt(.gif, "it declares a zero width or height") }
        var i = 13
        if flags & 0x80 != 0 { i += 3 << ((flags & 0x07) + 1) }
        var frames = 0
        walk: while let block = b.u8(at: i) {
            switch block {
            case 0x2C:
                guard let left = b.u16le(at: i + 1), let top = b.u16le(at: i + 3),
                    let w = b.u16le(at: i + 5), let h = b.u16le(at: i + 7), let local = b.u8(at: i + 9)
                else { throw ImagingError.corrupt(.gif, "frame \(frames + 1) is cut short") }
                frames += 1
                guard left + w <= width, top + h <= height else {
                    throw ImagingError.corrupt(
                        .gif, "frame \(frames) (\(w)×\(h) at \(left),\(top)) reaches outside the \(width)×\(height) canvas")
                }
                i += 10
                if local & 0x80 != 0 { i += 3 << ((local & 0x07) + 1) }
                guard b.u8(at: i) != nil, let end = skipSubBlocks(b, from: i + 1) else {
                    throw ImagingError.corrupt(.gif, "frame \(frames) is cut short")
                }
                i = end
            case 0x21:
                guard let end = skipSubBlocks(b, from: i + 2) else {
                    throw ImagingError.corrupt(.gif, "the file is cut short inside an extension block")
                }
                i = end
            case 0x3B:
                break walk
            default:
                throw ImagingError.corrupt(.gif, "unknown block type 0x\(String(block, radix: 16)) at byte \(i)")
            }
        }
        guard frames > 0 else { throw ImagingError.corrupt(.gif, "it contains no frames") }
        return DeclaredSize(width: width, height: height, frames: frames)
    }

    /// Skips a chain of length-prefixed sub-blocks ending in a zero length; returns the offset
    /// after it, or nil if the chain is cut short.
    private static func skipSubBlocks(_ b: ByteReader, from start: Int) -> Int? {
        var i = start
        while let length = b.u8(at: i) {
            i += 1 + length
            if length == 0 { return i }
        }
        return nil
    }
}
