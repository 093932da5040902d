/// Finds the image spatial extents (`ispe`) in a HEIF/AVIF file's `meta` box and takes the
/// largest, so a grid image is judged by its full size rather than its tiles.
enum HEIFHeader {
    private static let containers: Set<String> = ["meta", "iprp", "ipco"]

    static func read(_ b: ByteReader, format: ImageFormat) throws -> DeclaredSize {
        var largest: (Int, Int)?
        try walk(b, from: 0, to: b.count, format: format, depth: 0) { w, h in
            if largest == nil || w * h > largest!.0 * largest!.1 { largest = (w, h) }
        }
        guard let (w, h) = largest else { return DeclaredSize() }
        guard w > 0, h > 0 else { throw ImagingError.corrupt(format, "it declares a zero width or height") }
        return DeclaredSize(width: w, height: h)
    }

    private static func walk(
        _ b: ByteReader, from start: Int, to end: Int, format: ImageFormat, depth: Int, found: (Int, Int) -> Void
    ) throws {
        guard depth < 8 else { return }
        var i = start
        while i + 8 <= end, let size32 = b.u32be(at: i), let type = b.ascii(at: i + 4, count: 4) {
            var header = 8
            var size = size32
            if size32 == 1 {
                guard let large = b.u64be(at: i + 8) else { throw ImagingError.corrupt(format, "a box header is cut short") }
                size = large
                header = 16
            } else if size32 == 0 {
                size = end - i
            }
            guard size >= header, i + size <= end else {
                throw ImagingError.corrupt(format, "\(b.describeFourCC(at: i + 4)) box runs past the end of the file")
            }
            if type == "ispe", let w = b.u32be(at: i + header + 4), let h = b.u32be(at: i + header + 8) {
                found(w, h)
            } else if containers.contains(type) {
                let bodyStart = i + header + (type == "meta" ? 4 : 0)
                try walk(b, from: bodyStart, to: i + size, format: format, depth: depth + 1, found: found)
            }
            i += size
        }
    }
}
