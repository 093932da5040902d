/// Reads ImageWidth and ImageLength from a classic TIFF's first directory. BigTIFF is left to
/// libvips's header read, which allocates no pixels for TIFF.
enum TIFFHeader {
    static func read(_ b: ByteReader) throws -> DeclaredSize {
        let little = b[0] == 0x49
        func u16(_ i: Int) -> Int? { little ? b.u16le(at: i) : b.u16be(at: i) }
        func u32(_ i: Int) -> Int? { little ? b.u32le(at: i) : b.u32be(at: i) }
        guard u16(2) == 42 else { return DeclaredSize() }
        guard let ifd = u32(4), ifd >= 8, let entries = u16(ifd), entries > 0, ifd + 2 + entries * 12 <= b.count else {
            throw ImagingError.corrupt(.tiff, "its first image directory lies outside the file")
        }
        var size = DeclaredSize()
        for k in 0..<entries {
            let entry = ifd + 2 + k * 12
            guard let tag = u16(entry), let type = u16(entry + 2) else { break }
            guard tag == 256 || tag == 257 else { continue }
            let value = type == 3 ? u16(entry + 8) : u32(entry + 8)
            if tag == 256 { size.width = value } else { size.height = value }
        }
        if size.width == 0 || size.height == 0 {
            throw ImagingError.corrupt(.tiff, "it declares a zero width or height")
        }
        return size
    }
}
