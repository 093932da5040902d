/// Reads ImageWidth and ImageLength from a classic TIFF's first directory, and checks that the
/// directory's strips or tiles lie inside the file, so a TIFF cut short is refused. BigTIFF is
/// left to libvips's header read, which allocates no pixels for TIFF.
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
        var offsets: [Int] = []
        var counts: [Int] = []
        for k in 0..<entries {
            let entry = ifd + 2 + k * 12
            guard let tag = u16(entry), let type = u16(entry + 2), let n = u32(entry + 4) else { break }
            switch tag {
            case 256, 257:
                let value = type == 3 ? u16(entry + 8) : u32(entry + 8)
                if tag == 256 { size.width = value } else { size.height = value }
            case 273, 324: offsets = values(type: type, count: n, entry: entry)
            case 279, 325: counts = values(type: type, count: n, entry: entry)
            default: continue
            }
        }
        for (offset, count) in zip(offsets, counts) where offset + count > b.count {
            throw ImagingError.corrupt(.tiff, "its image data runs past the end of the file; it was cut short")
        }
        /// A SHORT or LONG array, inline when it fits in four bytes; empty when it cannot be read.
        func values(type: Int, count: Int, entry: Int) -> [Int] {
            let width = type == 3 ? 2 : 4
            guard type == 3 || type == 4, count > 0, count <= 1 << 20 else { return [] }
            let start = count * width <= 4 ? entry + 8 : (u32(entry + 8) ?? -1)
            guard start >= 0, start + count * width <= b.count else { return [] }
            return (0..<count).compactMap { width == 2 ? u16(start + $0 * 2) : u32(start + $0 * 4) }
        }
        if size.width == 0 || size.height == 0 {
            throw ImagingError.corrupt(.tiff, "it declares a zero width or height")
        }
        return size
    }
}
