import ImagingFixtures
import Testing

@testable import Imaging

@Suite struct OrientationTests {
    /// The stored pixels that, displayed with EXIF orientation `o`, show `upright`.
    func stored(_ upright: Image, orientation o: Int) throws -> Image {
        switch o {
        case 2: try upright.flipped(.horizontal)
        case 3: try upright.rotated(degrees: 180)
        case 4: try upright.flipped(.vertical)
        case 5: try upright.rotated(degrees: 90).flipped(.horizontal)
        case 6: try upright.rotated(degrees: 270)
        case 7: try upright.rotated(degrees: 270).flipped(.horizontal)
        case 8: try upright.rotated(degrees: 90)
        default: upright
        }
    }

    @Test(arguments: 1...8)
    func everyEXIFOrientationComesOutUpright(orientation: Int) throws {
        let upright = try Fixtures.quadrants(width: 60, height: 40)
        let jpeg = try Fixtures.jpeg(stored(upright, orientation: orientation))
        let tagged = JPEGSegments.inserting(JPEGSegments.exif(orientation: orientation), into: jpeg)
        let source = try ImageSource.open(tagged)
        #expect(source.header.orientation == orientation)
        let decoded = try source.decode()
        #expect(decoded.width == 60 && decoded.height == 40)
        for (x, y, colour) in [(15, 10, Fixtures.red), (45, 10, Fixtures.green), (15, 30, Fixtures.blue), (45, 30, Fixtures.white)] {
            let pixel = try decoded.pixel(x: x, y: y)
            #expect(Fixtures.close(pixel, colour), "orientation \(orientation): pixel \(x),\(y) is \(pixel), expected \(colour)")
        }
    }

    @Test func streamedDecodeOfARotatedImageIsStillUpright() throws {
        let upright = try Fixtures.quadrants(width: 60, height: 40)
        let tagged = JPEGSegments.inserting(JPEGSegments.exif(orientation: 6), into: try Fixtures.jpeg(stored(upright, orientation: 6)))
        let decoded = try ImageSource.open(tagged).decode(streamed: true)
        #expect(decoded.width == 60 && decoded.height == 40)
        #expect(Fixtures.close(try decoded.pixel(x: 15, y: 10), Fixtures.red))
    }
}
