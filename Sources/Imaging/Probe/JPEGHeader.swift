/// Walks JPEG markers to the first start-of-frame segment.
enum JPEGHeader {
    static func read(_ b: ByteReader) throws -> DeclaredSize {
        var i = 2
        while true {
            guard b.u8(at: i) == 0xFF else { throw ImagingError.corrupt(.jpeg, "no frame header before the image data") }
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
