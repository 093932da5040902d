/// Removes metadata chunks from an encoded WebP.
///
/// libvips 8.14's WebP saver writes an EXIF chunk into every file, `strip` or not, so stripping
/// for WebP happens here, on the container: the EXIF, XMP and ICCP chunks are dropped, their
/// flags cleared in the VP8X header, and the RIFF size rewritten.
enum WebPMetadata {
    private static let metadataChunks: Set<String> = ["EXIF", "XMP ", "ICCP"]
    /// VP8X flag bits for ICC (0x20), EXIF (0x08) and XMP (0x04).
    private static let metadataFlags: UInt8 = 0x20 | 0x08 | 0x04

    static func stripped(_ webp: [UInt8]) -> [UInt8] {
        let reader = webp
        guard reader.count >= 12, reader[0..<4].elementsEqual("RIFF".utf8), reader[8..<12].elementsEqual("WEBP".utf8) else {
            return webp
        }
        var out = Array(reader[0..<12])
        var i = 12
        while i + 8 <= reader.count {
            let fourCC = String(decoding: reader[i..<(i + 4)], as: UTF8.self)
            let size = Int(reader[i + 4]) | Int(reader[i + 5]) << 8 | Int(reader[i + 6]) << 16 | Int(reader[i + 7]) << 24
            let end = min(reader.count, i + 8 + size + (size & 1))
            if !metadataChunks.contains(fourCC) {
                var chunk = Array(reader[i..<end])
                if fourCC == "VP8X", chunk.count > 8 { chunk[8] &= ~metadataFlags }
                out += chunk
            }
            i = end
        }
        let riffSize = out.count - 8
        out[4] = UInt8(riffSize & 0xFF)
        out[5] = UInt8(riffSize >> 8 & 0xFF)
        out[6] = UInt8(riffSize >> 16 & 0xFF)
        out[7] = UInt8(riffSize >> 24 & 0xFF)
        return out
    }
}
