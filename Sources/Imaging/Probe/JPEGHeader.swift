/// Walks JPEG markers to the first start-of-frame segment. Like libjpeg, it skips stray bytes
/// between segments (a segment whose length is one short is common) to find the next marker.
/// Then it checks the file is whole: every scan's entropy-coded data runs to the end-of-image
/// marker. Bytes after EOI are allowed.
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
                try checkComplete(b, from: i + length)
                return DeclaredSize(width: width, height: height)
            }
            i += length
        }
    }

    /// Walks the segments after the frame header, and each scan's entropy-coded data (where a
    /// 0xFF byte is followed by 0x00 stuffing or a restart marker), until the EOI marker.
    /// Without EOI the file was cut short: libjpeg would fill the rest with grey.
    static func checkComplete(_ b: ByteReader, from start: Int) throws {
        let truncated = ImagingError.corrupt(.jpeg, "the file ends before its end-of-image marker; it was cut short")
        var i = start
        var inScan = false
        while i < b.count {
            guard b[i] == 0xFF else {
                // Entropy-coded data, or stray bytes between segments: skip to the next 0xFF
                // (memchr, so a 4 MB scan costs well under a millisecond).
                guard let next = b.index(of: 0xFF, from: i) else { throw truncated }
                i = next
                continue
            }
            var k = i + 1
            while k < b.count && b[k] == 0xFF { k += 1 }
            guard k < b.count else { throw truncated }
            let marker = b[k]
            if marker == 0x00 || (0xD0...0xD7).contains(marker) || marker == 0x01 {
                i = k + 1  // stuffed 0xFF, restart marker or TEM: still inside the data
                continue
            }
            if marker == 0xD9 { return }
            if inScan, marker == 0xD8 { throw truncated }  // a new image started where this one should end
            guard let length = b.u16be(at: k + 1), length >= 2, k + 1 + length <= b.count else { throw truncated }
            inScan = marker == 0xDA
            i = k + 1 + length
        }
        throw truncated
    }
}
