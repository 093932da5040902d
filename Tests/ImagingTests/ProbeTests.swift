import ImagingFixtures
import Testing

@testable import Imaging

@Suite struct ProbeTests {
    @Test(arguments: [OutputFormat.jpeg, .png, .webp, .avif])
    func probeReadsFormatAndSizeOfEveryWrittenFormat(format: OutputFormat) throws {
        let bytes = try Fixtures.quadrants(width: 64, height: 48).encoded(EncodeOptions(format: format)).bytes
        let header = try ImageSource.open(bytes).header
        #expect(header.format.rawValue == format.rawValue)
        #expect(header.width == 64 && header.height == 48)
        #expect(header.frames == 1 && header.orientation == 1)
    }

    @Test func probeReadsGIFAndTIFF() throws {
        let image = try Fixtures.quadrants(width: 30, height: 20)
        let gif = try ImageSource.open(image.encoded(EncodeOptions(format: .gif)).bytes).header
        #expect(gif.format == .gif && gif.width == 30 && gif.height == 20)
        let tiff = try ImageSource.open(image.encodedTIFF()).header
        #expect(tiff.format == .tiff && tiff.width == 30 && tiff.height == 20)
    }

    @Test func probeReadsEXIFOrientationWithoutDecoding() throws {
        let jpeg = try Fixtures.jpeg(Fixtures.quadrants())
        let tagged = JPEGSegments.inserting(JPEGSegments.exif(orientation: 6), into: jpeg)
        let header = try ImageSource.open(tagged).header
        #expect(header.orientation == 6)
        #expect(header.orientedWidth == 40 && header.orientedHeight == 60)
    }

    @Test func gifWalkerCountsEveryFrame() throws {
        let gif = GIFBuilder.gif(width: 10, height: 10, frames: Array(repeating: (0, 0, 10, 10), count: 4))
        let size = try gif.withUnsafeBytes { try DeclaredSize.read(.gif, ByteReader(base: $0)) }
        #expect(size == DeclaredSize(width: 10, height: 10, frames: 4))
    }

    @Test func webpAnimationFramesAreCounted() throws {
        // A VP8X header with two ANMF chunks (their payloads are not needed for counting).
        var webp = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8X".utf8) + JPEGSegments.le32(10)
        webp += [0x02, 0, 0, 0] + [99, 0, 0] + [49, 0, 0]
        for _ in 0..<2 { webp += Array("ANMF".utf8) + JPEGSegments.le32(2) + [0, 0] }
        webp.replaceSubrange(4..<8, with: JPEGSegments.le32(webp.count - 8))
        let size = try webp.withUnsafeBytes { try DeclaredSize.read(.webp, ByteReader(base: $0)) }
        #expect(size == DeclaredSize(width: 100, height: 50, frames: 2))
    }

    @Test func headerParsersNeverReadPastTheirInput() throws {
        // Every prefix of every format must give a clean answer or a clean error, never a trap.
        let image = try Fixtures.quadrants(width: 16, height: 16)
        let samples = [
            try Fixtures.jpeg(image), try Fixtures.png(image), try image.encoded(EncodeOptions(format: .gif)).bytes, try image.encodedTIFF(),
            try image.encoded(EncodeOptions(format: .webp)).bytes, try image.encoded(EncodeOptions(format: .avif)).bytes,
        ]
        for sample in samples {
            for length in stride(from: 0, through: min(sample.count, 400), by: 1) {
                let prefix = Array(sample[0..<length])
                if case .supported(let format) = prefix.withUnsafeBytes({ SniffedFormat.sniff(ByteReader(base: $0)) }) {
                    _ = try? prefix.withUnsafeBytes { try DeclaredSize.read(format, ByteReader(base: $0)) }
                }
            }
        }
    }
}

/// Builds GIF structure byte by byte: a canvas and frame descriptors with a token LZW payload.
enum GIFBuilder {
    static func gif(width: Int, height: Int, frames: [(Int, Int, Int, Int)]) -> [UInt8] {
        var bytes = Array("GIF89a".utf8) + JPEGSegments.le16(width) + JPEGSegments.le16(height) + [0x80, 0, 0]
        bytes += [0, 0, 0, 255, 255, 255]
        for (left, top, w, h) in frames {
            bytes += [0x2C] + JPEGSegments.le16(left) + JPEGSegments.le16(top) + JPEGSegments.le16(w) + JPEGSegments.le16(h) + [0]
            bytes += [0x02, 0x02, 0x44, 0x01, 0x00]
        }
        return bytes + [0x3B]
    }
}
