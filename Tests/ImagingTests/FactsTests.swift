import Foundation
import ImagingFixtures
import Testing

@testable import Imaging

/// Facts read from headers and EXIF, and what hostile EXIF gets: no crash, no wild value.
@Suite struct FactsTests {
    typealias J = JPEGSegments

    func jpeg(with segment: [UInt8], width: Int = 64, height: Int = 48) throws -> [UInt8] {
        J.inserting(segment, into: try TestPhoto.bytes(width: width, height: height, as: EncodeOptions(format: .jpeg, quality: 90)))
    }

    func facts(_ bytes: [UInt8]) throws -> ImageFacts { try ImageSource.open(bytes).facts() }

    @Test func aPlainPhotoHasItsShapeAndColourAndNoCamera() throws {
        let facts = try self.facts(try jpeg(with: []))
        #expect(facts.format == "jpeg" && facts.width == 64 && facts.height == 48 && facts.frames == 1)
        #expect(facts.colorSpace == "srgb" && facts.bitDepth == 8 && !facts.hasAlpha && facts.orientation == 1)
        #expect(facts.camera == nil && facts.exposure == nil && facts.takenAt == nil && !facts.hasGPS && facts.gps == nil)
    }

    @Test func theOrientationTurnsTheDisplayedSize() throws {
        let facts = try self.facts(try jpeg(with: J.exif(orientation: 6)))
        #expect(facts.orientation == 6 && facts.width == 48 && facts.height == 64)
    }

    @Test func otherFormatsSayWhatTheyAre() throws {
        let png = try TestPhoto.image(width: 30, height: 20).encoded(EncodeOptions(format: .png)).bytes
        #expect(try self.facts(png).format == "png")
        let gray = try Image(pixels: [UInt8](repeating: 90, count: 400), width: 20, height: 20, bands: 1)
        let grayFacts = try self.facts(try gray.encoded(EncodeOptions(format: .png)).bytes)
        #expect(grayFacts.colorSpace == "b-w" && !grayFacts.hasAlpha)
        let rgba = try Image(pixels: [UInt8](repeating: 200, count: 1600), width: 20, height: 20, bands: 4)
        #expect(try self.facts(try rgba.encoded(EncodeOptions(format: .webp, lossless: true)).bytes).hasAlpha)
    }

    /// TIFF structures no camera writes. Each must leave the facts sane and the process up.
    @Test(arguments: HostileEXIF.allCases)
    func hostileEXIFIsReadSafely(_ exif: HostileEXIF) throws {
        let bytes = try jpeg(with: J.exif(tiff: exif.tiff))
        let facts = try self.facts(bytes)
        #expect(facts.width == 64 && facts.height == 48, "\(exif)")
        if let make = facts.camera?.make { #expect(make.count <= 128 && !make.contains("\u{0}"), "\(exif): \(make)") }
        if let fNumber = facts.exposure?.fNumber { #expect(fNumber.isFinite && fNumber >= 0, "\(exif)") }
        #expect(facts.takenAt == nil || facts.takenAt!.count <= 25)
        switch exif {
        case .zeroDenominator: #expect(facts.exposure?.fNumber == nil, "28/0 is no f-number")
        case .nonsenseDate: #expect(facts.takenAt == nil, "month 13 is no date")
        case .stringWithoutTerminator: #expect(facts.camera?.make.map { $0.count <= 128 } ?? true)
        default: break
        }
        // And the image still decodes.
        #expect(try ImageSource.open(bytes).decode().width == 64)
    }
}

enum HostileEXIF: String, CaseIterable, CustomTestStringConvertible {
    case ifdLoopsToItself, exifPointerLoops, countPastTheEnd, hugeCount, stringWithoutTerminator, zeroDenominator, nonsenseDate,
        offsetPastTheEnd, manyEntries, truncatedHeader

    var testDescription: String { rawValue }

    typealias J = JPEGSegments
    static let header: [UInt8] = [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00]

    var tiff: [UInt8] {
        switch self {
        case .ifdLoopsToItself:
            return Self.header + J.le16(1) + J.entry(0x010F, type: 2, count: 4, value: Array("Can\0".utf8)) + J.le32(8)
        case .exifPointerLoops:
            return Self.header + J.le16(1) + J.entry(0x8769, type: 4, count: 1, value: J.le32(8)) + J.le32(0)
        case .countPastTheEnd:
            return Self.header + J.le16(1) + J.entry(0x010F, type: 2, count: 5000, value: J.le32(26)) + J.le32(0) + Array("short".utf8)
        case .hugeCount:
            return Self.header + J.le16(1) + J.entry(0x010F, type: 2, count: 0x7FFF_FFFF, value: J.le32(26)) + J.le32(0)
        case .stringWithoutTerminator:
            let text = Array(String(repeating: "A", count: 300).utf8)
            return Self.header + J.le16(1) + J.entry(0x010F, type: 2, count: text.count, value: J.le32(26)) + J.le32(0) + text
        case .zeroDenominator:
            // Exif IFD at 26 holding FNumber = 28/0.
            let exifIFD = J.le16(1) + J.entry(0x829D, type: 5, count: 1, value: J.le32(44)) + J.le32(0)
            return Self.header + J.le16(1) + J.entry(0x8769, type: 4, count: 1, value: J.le32(26)) + J.le32(0) + exifIFD + J.le32(28) + J.le32(0)
        case .nonsenseDate:
            let date = Array("2024:13:45 99:99:99\0".utf8)
            let exifIFD = J.le16(1) + J.entry(0x9003, type: 2, count: date.count, value: J.le32(44)) + J.le32(0)
            return Self.header + J.le16(1) + J.entry(0x8769, type: 4, count: 1, value: J.le32(26)) + J.le32(0) + exifIFD + date
        case .offsetPastTheEnd:
            return Self.header + J.le16(1) + J.entry(0x010F, type: 2, count: 64, value: J.le32(0x7FFF_0000)) + J.le32(0)
        case .manyEntries:
            // About 60 KB of entries, most of them junk tags, in one APP1 segment.
            let count = 5000
            var tiff = Self.header + J.le16(count)
            for n in 0..<count { tiff += J.entry(0xC000 + n % 0x3000, type: 3, count: 1, value: J.le16(n)) }
            return tiff + J.le32(0)
        case .truncatedHeader:
            return [0x49, 0x49, 0x2A]
        }
    }
}

@Suite struct AnimationFactsTests {
    @Test(arguments: [OutputFormat.gif, .webp])
    func anAnimationsFactsCountItsFramesAndTheirDelays(format: OutputFormat) throws {
        let frames = try [Fixtures.red, Fixtures.green, Fixtures.blue].map { try Fixtures.solid(width: 40, height: 30, $0) }
        let encoded = try Animation(frames: frames, delays: [50, 80, 120], loop: 2).joined().encoded(EncodeOptions(format: format, lossless: true))
        let facts = try ImageSource.open(encoded.bytes).facts()
        #expect(facts.format == format.rawValue && facts.frames == 3 && facts.delays == [50, 80, 120])
        #expect(facts.width == 40 && facts.height == 30, "one frame's size, not the stacked strip's")
    }
}
