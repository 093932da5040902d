import Foundation
import ImagingFixtures
import Testing

@testable import Imaging

/// A file cut short is refused by the probe, before any decode, with a message saying so; a
/// whole file with bytes after its end marker is still accepted.
@Suite struct TruncationTests {
    static func encoded(_ format: OutputFormat) throws -> [UInt8] {
        let image = try Fixtures.noise(width: 120, height: 90)
        if format == .gif {
            // Two frames, so a cut inside the second frame is tested too.
            let second = try Fixtures.noise(width: 120, height: 90, seed: 9)
            return try Animation(frames: [image, second], delays: [100, 100], loop: 0).joined().encoded(EncodeOptions(format: .gif)).bytes
        }
        return try image.encoded(EncodeOptions(format: format)).bytes
    }

    static func tiff() throws -> [UInt8] {
        try Fixtures.noise(width: 120, height: 90).encodedTIFF()
    }

    @Test(arguments: [OutputFormat.jpeg, .png, .webp, .gif])
    func everyCutIsRefusedAndTrailingBytesAreAllowed(format: OutputFormat) throws {
        let whole = try Self.encoded(format)
        _ = try ImageSource.open(whole)
        _ = try ImageSource.open(whole + [UInt8](repeating: 0x00, count: 37))
        // A GIF missing only its trailer byte has every frame whole: accepted, as browsers do.
        if format == .gif { _ = try ImageSource.open(Array(whole.dropLast())) }
        // Cuts in the header, in the middle of the data, and just before the end.
        for cut in [whole.count / 3, whole.count / 2, whole.count * 9 / 10, whole.count - 2] + (format == .gif ? [] : [whole.count - 1]) {
            let error = try #require(throws: ImagingError.self) { try ImageSource.open(Array(whole.prefix(cut))) }
            #expect(error.description == "corrupt_image", "\(format) cut at \(cut) of \(whole.count): \(error.message)")
            #expect(error.message.contains("cut short") || error.message.contains("ends"), "\(format) cut at \(cut): \(error.message)")
        }
    }

    @Test func aProgressiveJPEGIsWalkedThroughEveryScan() throws {
        let whole = try Fixtures.noise(width: 200, height: 150).encoded(EncodeOptions(format: .jpeg, progressive: true)).bytes
        _ = try ImageSource.open(whole)
        // Cut between two scans: every segment so far is whole, but EOI is missing.
        let secondScan = try #require((3..<whole.count - 1).filter { whole[$0] == 0xFF && whole[$0 + 1] == 0xDA }.dropFirst().first)
        #expect(throws: ImagingError.self) { try ImageSource.open(Array(whole.prefix(secondScan))) }
    }

    @Test func aTIFFWhoseStripsRunPastTheEndIsRefused() throws {
        let whole = try Self.tiff()
        _ = try ImageSource.open(whole)
        let stripsEnd = whole.count * 3 / 4
        let error = try #require(throws: ImagingError.self) { try ImageSource.open(Array(whole.prefix(stripsEnd))) }
        #expect(error.description == "corrupt_image")
    }
}
