import ImagingFixtures
import Testing

@testable import Imaging

@Suite struct WatermarkTests {
    /// The bounding box of the pixels that differ between two same-sized images.
    func changedRegion(_ a: Image, _ b: Image) throws -> (minX: Int, minY: Int, maxX: Int, maxY: Int)? {
        let (pa, pb) = (try a.pixelBytes(), try b.pixelBytes())
        var box: (Int, Int, Int, Int)?
        for y in 0..<a.height {
            for x in 0..<a.width {
                let i = (y * a.width + x) * 3
                if pa[i] != pb[i] || pa[i + 1] != pb[i + 1] || pa[i + 2] != pb[i + 2] {
                    box = box.map { (min($0.0, x), min($0.1, y), max($0.2, x), max($0.3, y)) } ?? (x, y, x, y)
                }
            }
        }
        return box.map { (minX: $0.0, minY: $0.1, maxX: $0.2, maxY: $0.3) }
    }

    @Test func textWatermarkChangesOnlyItsCorner() throws {
        let base = try Fixtures.solid(width: 400, height: 300, [60, 90, 120])
        let mark = TextWatermark(text: "Darkroom", size: 32, placement: WatermarkPlacement(opacity: 0.8, position: .southEast, margin: 12))
        let marked = try base.watermarked(mark)
        #expect(marked.width == 400 && marked.height == 300 && marked.bands == 3)
        let region = try #require(try changedRegion(base, marked), "the watermark changed nothing")
        #expect(region.minX >= 200 && region.minY >= 200, "changes reach outside the bottom-right corner: \(region)")
        #expect(region.maxX < 400 - 12 + 2 && region.maxY < 300 - 12 + 2, "changes reach into the margin: \(region)")
    }

    @Test func textIsLiteralNotMarkup() throws {
        let base = try Fixtures.solid(width: 300, height: 100, [0, 0, 0])
        let marked = try base.watermarked(TextWatermark(text: "<b>&amp; 1 < 2", size: 20))
        #expect(try changedRegion(base, marked) != nil)
    }

    @Test func imageWatermarkIsScaledPlacedAndBlended() throws {
        let base = try Fixtures.solid(width: 400, height: 300, [128, 128, 128])
        let logo = try Fixtures.solid(width: 50, height: 50, Fixtures.red)
        let opaque = try base.watermarked(
            ImageWatermark(image: logo, scale: 0.1, placement: WatermarkPlacement(opacity: 1, position: .northWest, margin: 10)))
        let region = try #require(try changedRegion(base, opaque))
        #expect(region.minX == 10 && region.minY == 10 && region.maxX == 49 && region.maxY == 49)
        #expect(try opaque.pixel(x: 30, y: 30) == Fixtures.red)
        let faint = try base.watermarked(
            ImageWatermark(image: logo, scale: 0.1, placement: WatermarkPlacement(opacity: 0.5, position: .northWest, margin: 10)))
        let blended = try faint.pixel(x: 30, y: 30)
        #expect(Fixtures.close(blended, [191, 64, 64], tolerance: 6))
    }

    @Test func badWatermarkSettingsAreRefused() throws {
        let base = try Fixtures.solid(width: 50, height: 50, Fixtures.white)
        #expect(throws: ImagingError.self) { try base.watermarked(TextWatermark(text: "   ")) }
        #expect(throws: ImagingError.self) { try base.watermarked(TextWatermark(text: "x", placement: WatermarkPlacement(opacity: 0))) }
        #expect(throws: ImagingError.self) { try base.watermarked(TextWatermark(text: "x", size: 1)) }
    }
}
