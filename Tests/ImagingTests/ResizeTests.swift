import CVips
import ImagingFixtures
import Testing

@testable import Imaging

@Suite struct ResizeTests {
    let wide: Image

    init() throws {
        // Left third red, middle green, right third blue.
        wide = try Fixtures.image(width: 300, height: 150) { x, _ in x < 100 ? Fixtures.red : x < 200 ? Fixtures.green : Fixtures.blue }
    }

    @Test func insideKeepsAspectRatioWithinTheBox() throws {
        let out = try wide.resized(Resize(width: 100, height: 100))
        #expect(out.width == 100 && out.height == 50)
    }

    @Test func insideNeverUpscalesUnlessAsked() throws {
        let same = try wide.resized(Resize(width: 600, height: 600))
        #expect(same.width == 300 && same.height == 150)
        let larger = try wide.resized(Resize(width: 600, height: 600, upscale: true))
        #expect(larger.width == 600 && larger.height == 300)
    }

    @Test func widthOnlyAndHeightOnly() throws {
        let byWidth = try wide.resized(Resize(width: 150))
        #expect(byWidth.width == 150 && byWidth.height == 75)
        let byHeight = try wide.resized(Resize(height: 30))
        #expect(byHeight.width == 60 && byHeight.height == 30)
    }

    @Test func coverFillsTheBoxAndCropsAtTheGravity() throws {
        let centre = try wide.resized(Resize(width: 100, height: 100, fit: .cover))
        #expect(centre.width == 100 && centre.height == 100)
        #expect(Fixtures.close(try centre.pixel(x: 50, y: 50), Fixtures.green))
        let west = try wide.resized(Resize(width: 100, height: 100, fit: .cover, gravity: .west))
        #expect(Fixtures.close(try west.pixel(x: 5, y: 50), Fixtures.red))
        let east = try wide.resized(Resize(width: 100, height: 100, fit: .cover, gravity: .east))
        #expect(Fixtures.close(try east.pixel(x: 95, y: 50), Fixtures.blue))
        let smart = try wide.resized(Resize(width: 80, height: 80, fit: .cover, gravity: .smart))
        #expect(smart.width == 80 && smart.height == 80)
    }

    @Test func fillStretchesToExactlyTheBox() throws {
        let out = try wide.resized(Resize(width: 77, height: 91, fit: .fill))
        #expect(out.width == 77 && out.height == 91)
    }

    @Test(arguments: ResizeKernel.allCases)
    func everyKernelResizes(kernel: ResizeKernel) throws {
        let out = try wide.resized(Resize(width: 120, kernel: kernel))
        #expect(out.width == 120 && out.height == 60)
    }

    @Test func invalidRequestsAreRefused() throws {
        #expect(throws: ImagingError.self) { try wide.resized(Resize()) }
        #expect(throws: ImagingError.self) { try wide.resized(Resize(width: 0)) }
        #expect(throws: ImagingError.self) { try wide.resized(Resize(width: 100, fit: .cover)) }
    }

    @Test func neededScaleIsWhatTheBoxAsksOfTheSource() {
        let box = Resize(width: 1600, height: 1600)
        #expect(abs(box.neededScale(width: 4032, height: 3024) - 1600.0 / 4032.0) < 1e-9)
        #expect(Resize(width: 100, height: 100, fit: .cover).neededScale(width: 400, height: 200) == 0.5)
        #expect(Resize(width: 8000).neededScale(width: 4000, height: 3000) == 1)
    }
}

/// Darkroom's own horizontal reducer must agree with libvips's resize.
@Suite struct ModerateReductionTests {
    static let cases: [(Int, Int, Int)] = [(240, 160, 3), (150, 100, 3), (101, 67, 3), (299, 200, 4), (120, 80, 1)]

    func meanDifference(_ a: Image, _ b: Image) throws -> Double {
        let (pa, pb) = (try a.pixelBytes(), try b.pixelBytes())
        return Double(zip(pa, pb).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(pa.count)
    }

    @Test(arguments: [ResizeKernel.cubic, .lanczos3, .linear, .mitchell, .lanczos2], cases)
    func agreesWithLibvipsResize(kernel: ResizeKernel, target: (Int, Int, Int)) throws {
        let (width, height, bands) = target
        let smooth = try Fixtures.image(width: 300, height: 200, bands: bands) { x, y in
            Array([UInt8(x * 255 / 300), UInt8(y * 255 / 200), UInt8((x + y) % 256), 255].prefix(bands))
        }
        let fast = try #require(try smooth.reducedByModerateRatio(toWidth: width, height: height, kernel: kernel))
        #expect(fast.width == width && fast.height == height && fast.bands == bands)
        let reference = try smooth.derive("reference") {
            dr_resize($0, Double(width) / 300, Double(height) / 200, kernel.vips)
        }
        #expect(reference.width == width && reference.height == height)
        #expect(try meanDifference(fast, reference) < 2.0, "mean difference from libvips's resize")
    }

    @Test func outsideModerateRatiosLibvipsResizes() throws {
        let image = try Fixtures.noise(width: 300, height: 200)
        #expect(try image.reducedByModerateRatio(toWidth: 50, height: 33, kernel: .cubic) == nil)
        #expect(try image.reducedByModerateRatio(toWidth: 600, height: 400, kernel: .cubic) == nil)
        #expect(try image.reducedByModerateRatio(toWidth: 200, height: 133, kernel: .nearest) == nil)
        #expect(try image.resized(Resize(width: 50)).width == 50)
    }

    @Test func flatColourStaysExactlyFlat() throws {
        let flat = try Fixtures.solid(width: 97, height: 61, [200, 100, 50])
        let reduced = try #require(try flat.reducedByModerateRatio(toWidth: 40, height: 30, kernel: .lanczos3))
        let pixels = try reduced.pixelBytes()
        #expect(
            stride(from: 0, to: pixels.count, by: 3).allSatisfy { (i: Int) -> Bool in pixels[i] == 200 && pixels[i + 1] == 100 && pixels[i + 2] == 50
            })
    }
}
