/// Byte-level builders shared by the imaging and pipeline tests.

/// Builds JPEG metadata segments byte by byte, so tests control exactly what an input carries.
public enum JPEGSegments {
    /// An APP1 EXIF segment with IFD0 holding Orientation and a GPS IFD holding a latitude ref.
    public static func exif(orientation: Int, withGPS: Bool = false) -> [UInt8] {
        var tiff: [UInt8] = [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00]
        let entries = withGPS ? 2 : 1
        tiff += le16(entries)
        tiff += le16(0x0112) + le16(3) + le32(1) + le16(orientation) + le16(0)
        if withGPS {
            let gpsOffset = 8 + 2 + entries * 12 + 4
            tiff += le16(0x8825) + le16(4) + le32(1) + le32(gpsOffset)
        }
        tiff += le32(0)
        if withGPS {
            tiff += le16(2)
            tiff += le16(0x0000) + le16(1) + le32(4) + [2, 2, 0, 0]
            tiff += le16(0x0001) + le16(2) + le32(2) + [0x4E, 0, 0, 0]
            tiff += le32(0)
        }
        return segment(0xE1, Array("Exif".utf8) + [0, 0] + tiff)
    }

    /// An APP1 EXIF segment around any TIFF structure, well-formed or not.
    public static func exif(tiff: [UInt8]) -> [UInt8] {
        segment(0xE1, Array("Exif".utf8) + [0, 0] + tiff)
    }

    /// A little-endian TIFF IFD entry: tag, type, count, and a value or an offset.
    public static func entry(_ tag: Int, type: Int, count: Int, value: [UInt8]) -> [UInt8] {
        le16(tag) + le16(type) + le32(count) + (value + [0, 0, 0, 0]).prefix(4)
    }

    /// An APP1 XMP packet naming a creator and a location.
    public static func xmp() -> [UInt8] {
        let packet = """
            <?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF \
            xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" \
            dc:creator="Secret Photographer"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>
            """
        return segment(0xE1, Array("http://ns.adobe.com/xap/1.0/".utf8) + [0] + Array(packet.utf8))
    }

    /// Inserts segments right after a JPEG's SOI marker.
    public static func inserting(_ segments: [UInt8], into jpeg: [UInt8]) -> [UInt8] {
        Array(jpeg[0..<2]) + segments + Array(jpeg[2...])
    }

    /// The markers of every segment before the image data.
    public static func markers(_ jpeg: [UInt8]) -> [UInt8] {
        var found: [UInt8] = []
        var i = 2
        while i + 4 <= jpeg.count, jpeg[i] == 0xFF {
            let marker = jpeg[i + 1]
            found.append(marker)
            if marker == 0xDA { break }
            i += 2 + (Int(jpeg[i + 2]) << 8 | Int(jpeg[i + 3]))
        }
        return found
    }

    private static func segment(_ marker: UInt8, _ body: [UInt8]) -> [UInt8] {
        [0xFF, marker] + be16(body.count + 2) + body
    }

    public static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    public static func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16 & 0xFFFF) }
    public static func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
}
