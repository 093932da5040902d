/// Walks JPEG markers to the first start-of-frame segment. Like libjpeg, it skips stray bytes
/// between segments (a segment whose length is one short is common) to find the next marker.
enum JPEGHeader {
    static func read(_ b: ByteReader) throws -> DeclaredSize {
        var i = 2
        while true {
            while let byte = b.u8(at: i), byte != 0xFF { i += 1 }
            while b.u8(at: i) == 0xFF { i += 1 }
            guard let marker = b.u8(at: i) else { throw ImagingError.corrupt(.jpeg, "the file ends inside its header") }
            i += 1
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { continue }
            if marker == 0xD9 || marker == 0xDA { throw ImagingError.corrupt(.jpeg, "no frame header before the image data") }
            guard let length = b.u16be(at: i), length >= 2 else { throw ImagingError.corrupt(.jpeg, "the file ends inside its header") }
            let isStartOfFrame = (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker)
            if isStartOfFrame {
                guard let height = b.u16be(at: i + 3), let width = b.u16be(at: i + 5) else {
                    throw ImagingError.corrupt(.jpeg, "the frame header is cut short")
                }
                guard width > 0, height > 0 else { throw ImagingError.corrupt(.jpeg, "it declares a zero width or height") }
                return DeclaredSize(width: width, height: height)
            }
            i += length
        }
    }
}
