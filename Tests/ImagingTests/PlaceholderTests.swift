import Foundation
import ImagingFixtures
import Testing

@testable import Imaging

@Suite struct PlaceholderTests {
    /// A `width` × `height` image of one colour, with `bands` 1 (gray), 3 or 4 (alpha `alpha`).
    func solid(_ width: Int, _ height: Int, rgb: (UInt8, UInt8, UInt8), bands: Int = 3, alpha: UInt8 = 255) throws -> Image {
        let pixel: [UInt8] = bands == 1 ? [rgb.0] : bands == 3 ? [rgb.0, rgb.1, rgb.2] : [rgb.0, rgb.1, rgb.2, alpha]
        return try Image(pixels: Array([[UInt8]](repeating: pixel, count: width * height).joined()), width: width, height: height, bands: bands)
    }

    @Test func aSolidImageHasItsColourEverywhere() throws {
        let placeholder = try solid(200, 150, rgb: (0x33, 0x66, 0x99)).placeholder(.default)
        #expect(placeholder.averageColor == "#336699" && placeholder.dominantColor == "#336699")
        // 4 × 3 components: a size character, a maximum, four for DC and two for each of 11 ACs.
        #expect(placeholder.blurhash.count == 1 + 1 + 4 + 2 * 11)
        #expect(placeholder.blurhash.first == "L", "(4 - 1) + (3 - 1) × 9 = 21 is 'L' in base 83")
        let thumbhash = try #require(Data(base64Encoded: placeholder.thumbhash))
        #expect(thumbhash.count >= 5 && thumbhash[4] & 0x80 != 0, "the landscape bit of ThumbHash's header")
        #expect(thumbhash[2] & 0x80 == 0, "no alpha")
        let preview = try #require(placeholder.preview)
        #expect(preview.hasPrefix("data:image/webp;base64,"))
        let webp = try #require(Data(base64Encoded: String(preview.dropFirst("data:image/webp;base64,".count))))
        let decoded = try ImageSource.open(Array(webp), limits: .default).decode()
        #expect(max(decoded.width, decoded.height) == 32 && decoded.width > decoded.height)
    }

    @Test func theComponentsAndPreviewAreBoundedWithAReason() throws {
        let image = try solid(20, 20, rgb: (1, 2, 3))
        for (options, words) in [
            (PlaceholderOptions(blurhashX: 0, blurhashY: 3, previewSide: 32), "blurhash x must be 1 to 9"),
            (PlaceholderOptions(blurhashX: 4, blurhashY: 10, previewSide: 32), "blurhash y must be 1 to 9"),
            (PlaceholderOptions(blurhashX: 4, blurhashY: 3, previewSide: 65), "0 to 64 pixels"),
            (PlaceholderOptions(blurhashX: 4, blurhashY: 3, previewSide: -1), "0 to 64 pixels"),
        ] {
            let error = try #require(throws: ImagingError.self) { try image.placeholder(options) }
            #expect(error.message.contains(words), "\(error.message)")
        }
        let bare = try image.placeholder(PlaceholderOptions(blurhashX: 1, blurhashY: 1, previewSide: 0))
        #expect(bare.preview == nil && bare.blurhash.count == 6)
        let most = try image.placeholder(PlaceholderOptions(blurhashX: 9, blurhashY: 9, previewSide: 64))
        #expect(most.blurhash.count == 6 + 2 * 80)
    }

    @Test func everyBandLayoutAndExtremeShapeWorks() throws {
        for image in [
            try solid(1, 1, rgb: (200, 0, 0)), try solid(3000, 2, rgb: (0, 200, 0)), try solid(2, 3000, rgb: (0, 0, 200)),
            try solid(64, 64, rgb: (128, 0, 0), bands: 1), try solid(64, 48, rgb: (10, 20, 30), bands: 4, alpha: 128),
        ] {
            let placeholder = try image.placeholder(.default)
            #expect(placeholder.blurhash.count == 28 && Data(base64Encoded: placeholder.thumbhash) != nil)
        }
        let gray = try solid(64, 64, rgb: (128, 0, 0), bands: 1).placeholder(.default)
        #expect(gray.averageColor == "#808080")
    }

    @Test func transparencyIsInTheThumbHashAndNothingVisibleFallsBackToWhite() throws {
        let translucent = try solid(40, 40, rgb: (255, 0, 0), bands: 4, alpha: 100).placeholder(.default)
        let hash = try #require(Data(base64Encoded: translucent.thumbhash))
        #expect(hash[2] & 0x80 != 0, "ThumbHash's alpha bit")
        #expect(translucent.averageColor == "#ff0000", "colour is weighted by alpha, not mixed with it")
        let invisible = try solid(40, 40, rgb: (255, 0, 0), bands: 4, alpha: 0).placeholder(.default)
        #expect(invisible.averageColor == "#ffffff" && invisible.dominantColor == "#ffffff")
    }

    @Test func theDominantColourIsTheCommonestNotTheMean() throws {
        // Three quarters dark green, a quarter bright red.
        var pixels: [UInt8] = []
        for y in 0..<80 {
            for _ in 0..<80 { pixels += y < 60 ? [20, 90, 30] : [250, 10, 10] }
        }
        let placeholder = try Image(pixels: pixels, width: 80, height: 80, bands: 3).placeholder(.default)
        #expect(placeholder.dominantColor == "#145a1e")
        #expect(placeholder.averageColor == "#4e4619", "¾ × (20, 90, 30) + ¼ × (250, 10, 10)")
    }

    /// The privacy rule: what a recipe hides is hidden in its placeholder too.
    @Test func hiddenRegionsDoNotShowInThePreview() throws {
        // A black image with a white square where a face would be.
        var pixels = [UInt8](repeating: 0, count: 400 * 300 * 3)
        for y in 100..<200 {
            for x in 150..<250 { for c in 0..<3 { pixels[(y * 400 + x) * 3 + c] = 255 } }
        }
        let image = try Image(pixels: pixels, width: 400, height: 300, bands: 3)
        let face = Region(x: 0.375, y: 1.0 / 3, width: 0.25, height: 1.0 / 3, kind: .face, score: 0.9)
        func brightestInTheMiddle(_ placeholder: Placeholder) throws -> UInt8 {
            let preview = try #require(placeholder.preview)
            let webp = try #require(Data(base64Encoded: String(preview.split(separator: ",")[1])))
            let image = try ImageSource.open(Array(webp), limits: .default).decode()
            return try image.pixel(x: image.width / 2, y: image.height / 2).max() ?? 0
        }
        #expect(try brightestInTheMiddle(image.placeholder(.default)) > 200, "shown when nothing is hidden")
        let hidden = try image.placeholder(.default, hiding: [face])
        #expect(try brightestInTheMiddle(hidden) < 80, "filled with the average (dark) when hidden")
        #expect(hidden.blurhash != (try image.placeholder(.default)).blurhash)
    }
}
