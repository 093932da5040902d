import Foundation
import Testing

@testable import Imaging

/// Small images generated for the tests, and byte-level helpers to inspect encoded files.
enum Fixtures {
    /// An image whose pixels come from `colour(x, y)`.
    static func image(width: Int, height: Int, bands: Int = 3, _ colour: (Int, Int) -> [UInt8]) throws -> Image {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height * bands)
        for y in 0..<height {
            for x in 0..<width { pixels += colour(x, y) }
        }
        return try Image(pixels: pixels, width: width, height: height, bands: bands)
    }

    static func solid(width: Int, height: Int, _ rgb: [UInt8]) throws -> Image {
        try image(width: width, height: height) { _, _ in rgb }
    }

    static let red: [UInt8] = [255, 0, 0]
    static let green: [UInt8] = [0, 255, 0]
    static let blue: [UInt8] = [0, 0, 255]
    static let white: [UInt8] = [255, 255, 255]

    /// Four flat quadrants, red, green / blue, white, so any rotation or flip is visible.
    static func quadrants(width: Int = 60, height: Int = 40) throws -> Image {
        try image(width: width, height: height) { x, y in
            switch (x < width / 2, y < height / 2) {
            case (true, true): red
            case (false, true): green
            case (true, false): blue
            case (false, false): white
            }
        }
    }

    /// Deterministic noise, so blocks and blurs have something to work on.
    static func noise(width: Int, height: Int, seed: UInt32 = 1) throws -> Image {
        var state = seed
        return try image(width: width, height: height) { _, _ in
            (0..<3).map { _ in
                state = state &* 1_664_525 &+ 1_013_904_223
                return UInt8(truncatingIfNeeded: state >> 24)
            }
        }
    }

    static func jpeg(_ image: Image, quality: Int = 95) throws -> [UInt8] {
        try image.encoded(EncodeOptions(format: .jpeg, quality: quality)).bytes
    }

    static func png(_ image: Image) throws -> [UInt8] {
        try image.encoded(EncodeOptions(format: .png)).bytes
    }

    /// Decodes encoded bytes with default limits, upright and in sRGB.
    static func decode(_ bytes: [UInt8]) throws -> Image {
        try ImageSource.open(bytes).decode()
    }

    /// True when every channel of `a` is within `tolerance` of `b`.
    static func close(_ a: [UInt8], _ b: [UInt8], tolerance: Int = 24) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs(Int($0) - Int($1)) <= tolerance }
    }
}

/// Builds JPEG metadata segments byte by byte, so tests control exactly what an input carries.
enum JPEGSegments {
    /// An APP1 EXIF segment with IFD0 holding Orientation and a GPS IFD holding a latitude ref.
    static func exif(orientation: Int, withGPS: Bool = false) -> [UInt8] {
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

    /// An APP1 XMP packet naming a creator and a location.
    static func xmp() -> [UInt8] {
        let packet = """
            <?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF \
            xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" \
            dc:creator="Secret Photographer"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>
            """
        return segment(0xE1, Array("http://ns.adobe.com/xap/1.0/".utf8) + [0] + Array(packet.utf8))
    }

    /// Inserts segments right after a JPEG's SOI marker.
    static func inserting(_ segments: [UInt8], into jpeg: [UInt8]) -> [UInt8] {
        Array(jpeg[0..<2]) + segments + Array(jpeg[2...])
    }

    /// The markers of every segment before the image data.
    static func markers(_ jpeg: [UInt8]) -> [UInt8] {
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

    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    static func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16 & 0xFFFF) }
    static func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
}

extension [UInt8] {
    /// True when `needle` occurs anywhere in these bytes.
    func contains(bytes needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, count >= needle.count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    func contains(ascii: String) -> Bool { contains(bytes: Array(ascii.utf8)) }
}
