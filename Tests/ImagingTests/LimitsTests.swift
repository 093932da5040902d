import Testing

@testable import Imaging

/// The limits reject from the header, before libvips allocates pixels. A GIF declaring
/// 65535×65535 aborts the whole process in libvips 8.14 if it is ever decoded, so these tests
/// passing at all shows the rejection came first.
@Suite struct LimitsTests {
    @Test func gifBombIsRejectedBeforeDecoding() throws {
        let bomb = GIFBuilder.gif(width: 65535, height: 65535, frames: [(0, 0, 65535, 65535)])
        let error = try #require(throws: ImagingError.self) { try ImageSource.open(bomb) }
        #expect(error.description == "too_many_pixels")
        #expect(error.message.contains("65535×65535"))
        #expect(error.isClientError)
    }

    @Test func pngDeclaringHugeDimensionsIsRejectedFromItsHeader() throws {
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += [0, 0, 0, 13] + Array("IHDR".utf8) + [0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 2, 0, 0, 0] + [0, 0, 0, 0]
        png += [0, 0, 0, 0] + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82]
        let error = try #require(throws: ImagingError.self) { try ImageSource.open(png) }
        #expect(error.description == "too_many_pixels")
    }

    @Test func framesOfAnAnimationAreSummed() throws {
        let animation = GIFBuilder.gif(width: 100, height: 100, frames: Array(repeating: (0, 0, 100, 100), count: 3))
        let limits = Limits(maxPixels: 25_000)
        let error = try #require(throws: ImagingError.self) { try ImageSource.open(animation, limits: limits) }
        #expect(error.description == "too_many_pixels")
        #expect(error.message.contains("× 3 frames"))
    }

    @Test func frameCountHasItsOwnCap() throws {
        let animation = GIFBuilder.gif(width: 10, height: 10, frames: Array(repeating: (0, 0, 10, 10), count: 5))
        let error = try #require(throws: ImagingError.self) { try ImageSource.open(animation, limits: Limits(maxFrames: 4)) }
        #expect(error.description == "too_many_frames")
    }

    @Test func gifFrameOutsideItsCanvasIsRefused() throws {
        let gif = GIFBuilder.gif(width: 100, height: 100, frames: [(0, 0, 100, 100), (60, 0, 30_000, 30_000)])
        let error = try #require(throws: ImagingError.self) { try ImageSource.open(gif) }
        #expect(error.description == "corrupt_image")
        #expect(error.message.contains("outside"))
    }

    @Test func fileSizeIsCheckedFirst() throws {
        let jpeg = try Fixtures.jpeg(Fixtures.noise(width: 64, height: 64))
        let error = try #require(throws: ImagingError.self) { try ImageSource.open(jpeg, limits: Limits(maxFileBytes: 100)) }
        #expect(error.description == "file_too_large")
        #expect(throws: ImagingError.emptyInput) { try ImageSource.open([UInt8]()) }
    }

    @Test func formatsOutsideTheAllowListAreRefused() throws {
        let png = try Fixtures.png(Fixtures.quadrants())
        let error = try #require(throws: ImagingError.self) { try ImageSource.open(png, limits: Limits(allowedFormats: [.jpeg])) }
        #expect(error.description == "format_not_allowed")
    }

    static let unsupportedSamples: [(String, String)] = [
        ("BMP", "BM" + String(repeating: "\0", count: 60)),
        ("SVG", "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
        ("PDF", "%PDF-1.4\n" + String(repeating: "\0", count: 20)),
        ("This file", "just some text, not an image at all"),
    ]

    @Test(arguments: unsupportedSamples)
    func unsupportedFormatsAreNamedInTheError(name: String, text: String) throws {
        let bytes = Array(text.utf8)
        let error = try #require(throws: ImagingError.self) { try ImageSource.open(bytes) }
        #expect(error.description == "unsupported_format")
        #expect(error.message.hasPrefix(name))
    }

    @Test func truncatedJPEGFailsWithAClearErrorNotAHalfImage() throws {
        let jpeg = try Fixtures.jpeg(Fixtures.noise(width: 256, height: 256))
        let truncated = Array(jpeg[0..<(jpeg.count * 6 / 10)])
        let error = try #require(throws: ImagingError.self) { try ImageSource.open(truncated).decode() }
        #expect(error.description == "corrupt_image")
        #expect(error.isClientError)
        #expect(error.message.contains("corrupt or truncated"))
    }

    @Test func pngCutShortBeforeIENDIsRefused() throws {
        let png = try Fixtures.png(Fixtures.noise(width: 32, height: 32))
        let error = try #require(throws: ImagingError.self) { try ImageSource.open(Array(png.dropLast(6))) }
        #expect(error.description == "corrupt_image")
    }

    @Test func zeroSizedImagesAreRefused() throws {
        let gif = GIFBuilder.gif(width: 0, height: 10, frames: [(0, 0, 0, 10)])
        #expect(throws: ImagingError.self) { try ImageSource.open(gif) }
    }
}
