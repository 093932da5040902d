import CLibVips
import ImagingFixtures
import Testing

@testable import Imaging

@Suite struct ColourAndMetadataTests {
    /// A JPEG that carries EXIF with GPS, and XMP naming a person.
    func leakyJPEG() throws -> [UInt8] {
        let jpeg = try Fixtures.jpeg(Fixtures.noise(width: 64, height: 64))
        return JPEGSegments.inserting(JPEGSegments.exif(orientation: 1, withGPS: true) + JPEGSegments.xmp(), into: jpeg)
    }

    @Test(arguments: OutputFormat.allCases)
    func outputsCarryNoEXIFGPSOrXMPByDefault(format: OutputFormat) throws {
        let input = try leakyJPEG()
        #expect(input.contains(ascii: "Secret Photographer") && input.contains(ascii: "Exif"))
        let output = try ImageSource.open(input).decode().encoded(EncodeOptions(format: format)).bytes
        #expect(!output.contains(ascii: "Secret Photographer"))
        #expect(!output.contains(ascii: "http://ns.adobe.com/xap"))
        #expect(!output.contains(ascii: "Exif\0\0"))
        switch format {
        case .jpeg: #expect(JPEGSegments.markers(output).allSatisfy { ![0xE1, 0xE2, 0xED].contains($0) })
        case .png: #expect(!["eXIf", "iTXt", "zTXt", "tEXt", "iCCP"].contains { output.contains(ascii: $0) })
        case .webp: #expect(!output.contains(ascii: "EXIF") && !output.contains(ascii: "XMP "))
        case .avif: #expect(!output.contains(ascii: "Exif"))
        case .gif: #expect(!output.contains(ascii: "XMP DataXMP"))
        }
    }

    @Test func keepingMetadataIsPossibleAndTheTestWouldSeeIt() throws {
        let output = try ImageSource.open(try leakyJPEG()).decode().encoded(EncodeOptions(format: .jpeg, stripMetadata: false)).bytes
        #expect(output.contains(ascii: "Secret Photographer"))
    }

    @Test func wideGamutInputKeepsItsColour() throws {
        let red = try Fixtures.solid(width: 32, height: 32, Fixtures.red)
        let p3 = try red.transformed(toProfile: "p3")
        let stored = try p3.pixel(x: 5, y: 5)
        #expect(!Fixtures.close(stored, Fixtures.red, tolerance: 12), "P3 red should be stored as different numbers: \(stored)")
        let jpeg = try p3.encoded(EncodeOptions(format: .jpeg, quality: 95, stripMetadata: false)).bytes
        #expect(JPEGSegments.markers(jpeg).contains(0xE2), "the fixture must carry its ICC profile")
        let decoded = try Fixtures.decode(jpeg)
        #expect(Fixtures.close(try decoded.pixel(x: 5, y: 5), Fixtures.red, tolerance: 12))
    }

    @Test func cmykInputBecomesSRGB() throws {
        let cmyk = try Fixtures.solid(width: 32, height: 32, Fixtures.red).transformed(toProfile: "cmyk")
        #expect(cmyk.bands == 4)
        let jpeg = try cmyk.encoded(EncodeOptions(format: .jpeg, quality: 95, stripMetadata: false)).bytes
        let decoded = try Fixtures.decode(jpeg)
        #expect(decoded.bands == 3)
        let pixel = try decoded.pixel(x: 5, y: 5)
        #expect(pixel[0] > 200 && pixel[1] < 80 && pixel[2] < 80, "CMYK red came out as \(pixel)")
    }

    @Test func sixteenBitInputBecomesEightBit() throws {
        let image = try Fixtures.quadrants().converted(to: VIPS_INTERPRETATION_RGB16)
        let png = try image.encoded(EncodeOptions(format: .png)).bytes
        #expect(png[24] == 16, "the fixture must be a 16-bit PNG")
        let decoded = try Fixtures.decode(png)
        #expect(try decoded.pixel(x: 15, y: 10) == Fixtures.red)
        #expect(try decoded.pixelBytes().count == 60 * 40 * 3)
    }

    @Test func srgbProfilesAreRecognised() throws {
        let tagged = try Fixtures.solid(width: 8, height: 8, Fixtures.red).transformed(toProfile: "srgb")
        let profile = try #require(tagged.iccProfile)
        #expect(ICCProfile.describesSRGB(profile))
        let p3 = try #require(try Fixtures.solid(width: 8, height: 8, Fixtures.red).transformed(toProfile: "p3").iccProfile)
        #expect(!ICCProfile.describesSRGB(p3))
    }
}
