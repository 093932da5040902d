import ImagingFixtures
import Testing

@testable import Imaging

/// `quality: auto` and `maxBytes`. The SSIM itself is checked against scikit-image in
/// e2e/test_quality.py; here, its properties and the search's promises.
@Suite struct QualitySearchTests {
    let photo: Image

    init() throws {
        photo = try TestPhoto.image(width: 240, height: 160, grain: true)
    }

    func score(_ encoded: EncodedImage) throws -> Double {
        let reference = SSIM.luma(try photo.pixelBytes(), bands: 3)
        let decoded = try ImageSource.open(encoded.bytes).decode().convertedToSRGB()
        return SSIM.score(reference, SSIM.luma(try decoded.pixelBytes(), bands: decoded.bands), width: 240, height: 160)
    }

    @Test func ssimIsOneForTheSamePicturesSymmetricAndFallsWithDamage() throws {
        let luma = SSIM.luma(try photo.pixelBytes(), bands: 3)
        #expect(SSIM.score(luma, luma, width: 240, height: 160) == 1)
        var noisy = luma
        for i in stride(from: 0, to: noisy.count, by: 3) { noisy[i] = noisy[i] &+ 40 }
        let one = SSIM.score(luma, noisy, width: 240, height: 160)
        #expect(one < 0.9 && one > 0)
        #expect(abs(one - SSIM.score(noisy, luma, width: 240, height: 160)) < 1e-12)
        // Smaller than one window: equal or not.
        #expect(SSIM.score([1, 2, 3, 4], [1, 2, 3, 4], width: 2, height: 2) == 1)
    }

    @Test func autoChoosesTheLowestQualityThatReachesTheTarget() throws {
        let target = QualityTarget(ssim: 0.95, minQuality: 30, maxQuality: 95)
        var options = EncodeOptions(format: .jpeg)
        options.qualityTarget = target
        let encoded = try photo.encoded(options)
        let choice = try #require(encoded.qualityChoice)
        #expect((30...95).contains(choice.quality))
        #expect(choice.steps <= 8)
        let reached = try #require(choice.ssim)
        #expect(reached >= 0.95)
        #expect(abs(reached - (try score(encoded))) < 1e-9)
        if choice.quality > 30 {
            let lower = try photo.encoded(EncodeOptions(format: .jpeg, quality: choice.quality - 1))
            #expect(try score(lower) < 0.95, "quality \(choice.quality - 1) reached the target too")
        }
        // A stricter target costs more bytes.
        options.qualityTarget?.ssim = 0.99
        let stricter = try photo.encoded(options)
        #expect(stricter.qualityChoice!.quality >= choice.quality && stricter.bytes.count >= encoded.bytes.count)
    }

    @Test(arguments: [OutputFormat.jpeg, .webp, .avif])
    func maxBytesKeepsTheHighestQualityThatFits(format: OutputFormat) throws {
        let full = try photo.encoded(EncodeOptions(format: format, quality: 90, speed: 9)).bytes.count
        var options = EncodeOptions(format: format, quality: 90, speed: 9)
        options.maxBytes = full * 6 / 10
        let fitted = try photo.encoded(options)
        let choice = try #require(fitted.qualityChoice)
        #expect(fitted.bytes.count <= full * 6 / 10 && choice.fitsMaxBytes && choice.ssim == nil)
        let next = try photo.encoded(EncodeOptions(format: format, quality: choice.quality + 1, speed: 9))
        #expect(next.bytes.count > full * 6 / 10)
        // Nothing fits: the lowest quality, said so.
        options.maxBytes = 100
        let tiny = try photo.encoded(options)
        #expect(tiny.qualityChoice?.quality == 1 && tiny.qualityChoice?.fitsMaxBytes == false)
    }

    @Test func formatsWithoutAQualityAndBadTargetsAreRefused() {
        for format in [OutputFormat.png, .gif] {
            var options = EncodeOptions(format: format)
            options.qualityTarget = .default
            #expect(options.invalidSetting?.field == "quality")
            options.qualityTarget = nil
            options.maxBytes = 10_000
            #expect(options.invalidSetting?.field == "maxBytes")
        }
        var lossless = EncodeOptions(format: .webp, lossless: true)
        lossless.qualityTarget = .default
        #expect(lossless.invalidSetting != nil)
        for bad in [QualityTarget(ssim: 1.5, minQuality: 40, maxQuality: 90), QualityTarget(ssim: 0.9, minQuality: 90, maxQuality: 40)] {
            var options = EncodeOptions(format: .jpeg)
            options.qualityTarget = bad
            #expect(options.invalidSetting != nil)
        }
        var huge = EncodeOptions(format: .jpeg)
        huge.maxBytes = 10
        #expect(huge.invalidSetting?.field == "maxBytes")
    }
}
