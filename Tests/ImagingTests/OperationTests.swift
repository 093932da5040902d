import ImagingFixtures
import Testing

@testable import Imaging

@Suite struct OperationTests {
    @Test func cropExtractsExactlyTheRegion() throws {
        let out = try Fixtures.quadrants(width: 60, height: 40).cropped(left: 30, top: 20, width: 30, height: 20)
        #expect(out.width == 30 && out.height == 20)
        let pixels = try out.pixelBytes()
        #expect(stride(from: 0, to: pixels.count, by: 3).allSatisfy { Array(pixels[$0..<($0 + 3)]) == Fixtures.white })
    }

    @Test func cropOutsideTheImageIsRefused() throws {
        let image = try Fixtures.quadrants()
        let error = try #require(throws: ImagingError.self) { try image.cropped(left: 50, top: 0, width: 20, height: 10) }
        #expect(error.message.contains("does not fit"))
    }

    @Test func grayscaleMakesTheThreeChannelsEqual() throws {
        let gray = try Fixtures.noise(width: 50, height: 40).grayscale().convertedToSRGB()
        #expect(gray.bands == 3)
        let pixels = try gray.pixelBytes()
        let equal = stride(from: 0, to: pixels.count, by: 3).allSatisfy { (i: Int) -> Bool in
            pixels[i] == pixels[i + 1] && pixels[i + 1] == pixels[i + 2]
        }
        #expect(equal)
    }

    @Test(arguments: [(64, 48, 8), (70, 45, 16)])
    func pixelateMakesUniformBlocks(width: Int, height: Int, block: Int) throws {
        let out = try Fixtures.noise(width: width, height: height).pixelated(block: block)
        #expect(out.width == width && out.height == height)
        let pixels = try out.pixelBytes()
        func at(_ x: Int, _ y: Int) -> [UInt8] { Array(pixels[((y * width + x) * 3)..<((y * width + x) * 3 + 3)]) }
        var blockColours: Set<[UInt8]> = []
        for by in stride(from: 0, to: height, by: block) {
            for bx in stride(from: 0, to: width, by: block) {
                let first = at(bx, by)
                blockColours.insert(first)
                for y in by..<min(by + block, height) {
                    for x in bx..<min(bx + block, width) {
                        #expect(at(x, y) == first, "pixel \(x),\(y) differs from its block's first pixel")
                    }
                }
            }
        }
        #expect(blockColours.count > 1, "distinct blocks of noise should average to distinct colours")
    }

    @Test func pixelateToSizeMakesTheSeedSystemsTinySquares() throws {
        for size in [8, 16, 32, 48, 64] {
            let out = try Fixtures.noise(width: 400, height: 300).pixelated(toSize: size)
            #expect(out.width == size && out.height == size)
        }
    }

    @Test func blurSmoothsAndSharpenAddsContrastAtEdges() throws {
        let checker = try Fixtures.image(width: 40, height: 40) { x, y in (x / 4 + y / 4) % 2 == 0 ? [40, 40, 40] : [210, 210, 210] }
        func spread(_ image: Image) throws -> Int {
            let p = try image.pixelBytes()
            return Int(p.max()!) - Int(p.min()!)
        }
        /// The summed difference between horizontal neighbours: how much detail there is.
        func variation(_ image: Image) throws -> Int {
            let p = try image.pixelBytes()
            return stride(from: 3, to: p.count, by: 3).reduce(0) { $0 + abs(Int(p[$1]) - Int(p[$1 - 3])) }
        }
        #expect(try variation(checker.blurred(sigma: 3)) * 4 < variation(checker))
        let step = try Fixtures.image(width: 40, height: 20) { x, _ in x < 20 ? [80, 80, 80] : [170, 170, 170] }
        #expect(try spread(step.sharpened(sigma: 1.5)) > 90 + 5)
        #expect(throws: ImagingError.self) { try checker.blurred(sigma: 0) }
    }

    @Test func rotateTurnsClockwiseAndSwapsAxes() throws {
        let rotated = try Fixtures.quadrants(width: 60, height: 40).rotated(degrees: 90)
        #expect(rotated.width == 40 && rotated.height == 60)
        // After a clockwise quarter turn, the red top-left quadrant sits at the top right.
        #expect(try rotated.pixel(x: 35, y: 5) == Fixtures.red)
        #expect(try rotated.pixel(x: 5, y: 5) == Fixtures.blue)
        #expect(throws: ImagingError.self) { try rotated.rotated(degrees: 45) }
    }

    @Test func flipMirrors() throws {
        let image = try Fixtures.quadrants(width: 60, height: 40)
        #expect(try image.flipped(.horizontal).pixel(x: 5, y: 5) == Fixtures.green)
        #expect(try image.flipped(.vertical).pixel(x: 5, y: 5) == Fixtures.blue)
    }
}
