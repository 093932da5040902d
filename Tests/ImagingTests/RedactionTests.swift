import Foundation
import ImagingFixtures
import Testing

@testable import Imaging

/// Redaction is real: inside each box the pixels carry no more detail than the mode allows, and
/// outside every box nothing changes.
struct RedactionTests {
    static let box = Region(x: 0.25, y: 0.2, width: 0.4, height: 0.5, kind: .face, score: 0.9)

    /// Pixels of `image` as rows of RGB triples.
    static func pixels(_ image: Image) throws -> (bytes: [UInt8], width: Int, height: Int, bands: Int) {
        (try image.pixelBytes(), image.width, image.height, image.bands)
    }

    /// The mean squared difference between horizontally adjacent pixels inside `rect`: the
    /// image's high-frequency energy there.
    static func energy(_ p: (bytes: [UInt8], width: Int, height: Int, bands: Int), _ rect: (left: Int, top: Int, width: Int, height: Int)) -> Double {
        var sum = 0.0
        var count = 0
        for y in rect.top..<(rect.top + rect.height) {
            for x in rect.left..<(rect.left + rect.width - 1) {
                for b in 0..<p.bands {
                    let a = Double(p.bytes[(y * p.width + x) * p.bands + b])
                    let c = Double(p.bytes[(y * p.width + x + 1) * p.bands + b])
                    sum += (a - c) * (a - c)
                    count += 1
                }
            }
        }
        return count == 0 ? 0 : sum / Double(count)
    }

    static func outsideUnchanged(_ before: [UInt8], _ after: [UInt8], width: Int, bands: Int, rect: (left: Int, top: Int, width: Int, height: Int))
        -> Bool
    {
        for index in stride(from: 0, to: before.count, by: bands) {
            let x = (index / bands) % width
            let y = (index / bands) / width
            let inside = x >= rect.left && x < rect.left + rect.width && y >= rect.top && y < rect.top + rect.height
            if !inside && before[index..<(index + bands)] != after[index..<(index + bands)] { return false }
        }
        return true
    }

    @Test func pixelateLeavesFlatBlocksInsideAndEveryPixelOutsideAsItWas() throws {
        let image = try Fixtures.noise(width: 320, height: 240)
        let redacted = try image.redacted([Self.box], mode: .pixelate(block: 16))
        let before = try Self.pixels(image)
        let after = try Self.pixels(redacted)
        let rect = try #require(Self.box.pixels(imageWidth: 320, imageHeight: 240))
        #expect(Self.outsideUnchanged(before.bytes, after.bytes, width: 320, bands: before.bands, rect: rect))
        // 16 px blocks (or fewer pixels, for 8 across the shorter side), aligned to the box: every
        // block is one colour.
        let side = min(16, min(rect.width, rect.height) / RedactionMode.minBlocksAcross)
        for by in stride(from: rect.top, to: rect.top + rect.height - side, by: side) {
            for bx in stride(from: rect.left, to: rect.left + rect.width - side, by: side) {
                let first = Array(after.bytes[((by * 320 + bx) * 3)..<((by * 320 + bx) * 3 + 3)])
                for y in by..<(by + side) {
                    for x in bx..<(bx + side) {
                        #expect(Array(after.bytes[((y * 320 + x) * 3)..<((y * 320 + x) * 3 + 3)]) == first)
                    }
                }
            }
        }
        #expect(Self.energy(after, rect) < Self.energy(before, rect) * 0.1)
    }

    @Test func aSmallFaceStillGetsAtLeastEightBlocksAcross() throws {
        let image = try Fixtures.noise(width: 200, height: 200)
        let small = Region(x: 0.1, y: 0.1, width: 0.2, height: 0.2, kind: .face)  // 40 px
        let redacted = try image.redacted([small], mode: .pixelate(block: 64))
        let after = try Self.pixels(redacted)
        // 40 px / 8 = 5 px blocks: the first row of the box changes colour every 5 pixels, not once.
        var changes = 0
        for x in 21..<60
        where after.bytes[(20 * 200 + x) * 3..<(20 * 200 + x) * 3 + 3] != after.bytes[(20 * 200 + x - 1) * 3..<(20 * 200 + x - 1) * 3 + 3] {
            changes += 1
        }
        #expect(changes >= 6, "\(changes) colour changes across a 40 px box")
    }

    @Test func blurTakesTheDetailOutOfTheBoxOnly() throws {
        let image = try Fixtures.noise(width: 320, height: 240)
        let redacted = try image.redacted([Self.box], mode: .blur(sigma: 8))
        let before = try Self.pixels(image)
        let after = try Self.pixels(redacted)
        let rect = try #require(Self.box.pixels(imageWidth: 320, imageHeight: 240))
        #expect(Self.outsideUnchanged(before.bytes, after.bytes, width: 320, bands: before.bands, rect: rect))
        #expect(Self.energy(after, rect) < Self.energy(before, rect) * 0.02)
    }

    @Test func fillPaintsTheBoxOneColour() throws {
        let image = try Fixtures.noise(width: 100, height: 80)
        let redacted = try image.redacted([Self.box], mode: .fill(RGBColor(red: 10, green: 20, blue: 30)))
        let after = try Self.pixels(redacted)
        let rect = try #require(Self.box.pixels(imageWidth: 100, imageHeight: 80))
        for y in rect.top..<(rect.top + rect.height) {
            for x in rect.left..<(rect.left + rect.width) {
                #expect(Array(after.bytes[((y * 100 + x) * 3)..<((y * 100 + x) * 3 + 3)]) == [10, 20, 30])
            }
        }
    }

    @Test func paddingGrowsTheBoxAndStaysInsideTheImage() {
        let padded = Region(x: 0.05, y: 0.5, width: 0.2, height: 0.4, kind: .face).padded(by: 0.5)
        #expect(padded.x == 0 && abs(padded.width - 0.35) < 1e-9)
        #expect(abs(padded.y - 0.3) < 1e-9 && abs(padded.height - 0.7) < 1e-9)
    }

    @Test(arguments: [
        Region(x: .nan, y: 0, width: 0.1, height: 0.1, kind: .manual), Region(x: 0, y: 0, width: -0.1, height: 0.1, kind: .manual),
        Region(x: 0.95, y: 0, width: 0.1, height: 0.1, kind: .manual), Region(x: 0, y: 0, width: 0, height: 0.1, kind: .manual),
        Region(x: -0.5, y: 0, width: 0.1, height: 0.1, kind: .manual), Region(x: 0, y: 0, width: .infinity, height: 0.1, kind: .manual),
        Region(x: 0, y: 0, width: 0.1, height: 0.1, kind: .face, score: 3),
    ])
    func aRegionOutsideTheImageOrNotFiniteIsRefused(_ region: Region) {
        #expect(throws: ImagingError.self) { try region.validate() }
    }

    @Test func thousandsOfRegionsAreRefused() {
        let many = Array(repeating: Region(x: 0, y: 0, width: 0.01, height: 0.01, kind: .manual), count: Region.maxPerImage + 1)
        #expect(throws: ImagingError.self) { try Region.validate(many) }
    }
}
