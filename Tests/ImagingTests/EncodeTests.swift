import ImagingFixtures
import Testing

@testable import Imaging

@Suite struct EncodeTests {
    let photo: Image

    init() throws {
        photo = try Fixtures.noise(width: 96, height: 64)
    }

    @Test func eachFormatWritesItsMagicBytes() throws {
        #expect(try photo.encoded(EncodeOptions(format: .jpeg)).bytes.starts(with: [0xFF, 0xD8, 0xFF]))
        #expect(try photo.encoded(EncodeOptions(format: .png)).bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let webp = try photo.encoded(EncodeOptions(format: .webp)).bytes
        #expect(webp.starts(with: Array("RIFF".utf8)) && Array(webp[8..<12]) == Array("WEBP".utf8))
        let avif = try photo.encoded(EncodeOptions(format: .avif, speed: 9)).bytes
        #expect(Array(avif[4..<12]) == Array("ftypavif".utf8))
    }

    @Test func encodedImagesDecodeToTheSameSize() throws {
        for format in OutputFormat.allCases {
            let encoded = try photo.encoded(EncodeOptions(format: format, speed: 9))
            #expect(encoded.width == 96 && encoded.height == 64)
            let header = try ImageSource.open(encoded.bytes).header
            #expect(header.width == 96 && header.height == 64)
        }
    }

    @Test func jpegProgressiveAndBaseline() throws {
        #expect(JPEGSegments.markers(try photo.encoded(EncodeOptions(format: .jpeg, progressive: true)).bytes).contains(0xC2))
        #expect(JPEGSegments.markers(try photo.encoded(EncodeOptions(format: .jpeg)).bytes).contains(0xC0))
    }

    @Test func webpLosslessAndLossy() throws {
        #expect(try photo.encoded(EncodeOptions(format: .webp, lossless: true)).bytes.contains(ascii: "VP8L"))
        #expect(try photo.encoded(EncodeOptions(format: .webp)).bytes.contains(ascii: "VP8 "))
    }

    @Test func qualityAndCompressionChangeTheSize() throws {
        let low = try photo.encoded(EncodeOptions(format: .jpeg, quality: 20)).bytes.count
        let high = try photo.encoded(EncodeOptions(format: .jpeg, quality: 95)).bytes.count
        #expect(low < high)
        let stored = try photo.encoded(EncodeOptions(format: .png, compression: 0)).bytes.count
        #expect(stored > 96 * 64 * 3)
    }

    @Test func alphaIsFlattenedOntoTheBackgroundForJPEG() throws {
        let transparent = try Fixtures.image(width: 16, height: 16, bands: 4) { _, _ in [0, 0, 255, 0] }
        let jpeg = try transparent.encoded(EncodeOptions(format: .jpeg, background: RGBColor(hex: "#ff0000")!))
        let decoded = try Fixtures.decode(jpeg.bytes)
        #expect(decoded.bands == 3)
        #expect(Fixtures.close(try decoded.pixel(x: 8, y: 8), Fixtures.red, tolerance: 8))
        let png = try Fixtures.decode(try transparent.encoded(EncodeOptions(format: .png)).bytes)
        #expect(png.hasAlpha)
    }

    @Test func outOfRangeSettingsAreRefused() throws {
        #expect(throws: ImagingError.self) { try photo.encoded(EncodeOptions(format: .jpeg, quality: 0)) }
        #expect(throws: ImagingError.self) { try photo.encoded(EncodeOptions(format: .png, compression: 10)) }
    }

    @Test func hexColoursParse() {
        #expect(RGBColor(hex: "#0a0B0c") == RGBColor(red: 10, green: 11, blue: 12))
        #expect(RGBColor(hex: "fff") == nil)
        #expect(RGBColor(red: 1, green: 2, blue: 255).hex == "#0102ff")
    }
}
