import ImagingFixtures
import Testing

@testable import Imaging

@Suite struct AnimationTests {
    /// Three solid frames, red, green, blue, 40×30, with distinct delays.
    func threeFrames() throws -> Animation {
        let frames = try [Fixtures.red, Fixtures.green, Fixtures.blue].map { try Fixtures.solid(width: 40, height: 30, $0) }
        return Animation(frames: frames, delays: [50, 80, 120], loop: 2)
    }

    @Test(arguments: [OutputFormat.gif, .webp])
    func animationsRoundTripWithEveryFrameAndItsTiming(format: OutputFormat) throws {
        let encoded = try threeFrames().joined().encoded(EncodeOptions(format: format, lossless: true))
        #expect(encoded.width == 40 && encoded.height == 30, "an animation reports one frame's size")
        let source = try ImageSource.open(encoded.bytes)
        #expect(source.header.frames == 3 && source.header.width == 40 && source.header.height == 30)
        let animation = try #require(try source.decodeAnimation())
        #expect(animation.frames.count == 3)
        #expect(animation.delays == [50, 80, 120])
        #expect(animation.loop == 2)
        for (frame, colour) in zip(animation.frames, [Fixtures.red, Fixtures.green, Fixtures.blue]) {
            #expect(frame.width == 40 && frame.height == 30)
            #expect(Fixtures.close(Array(try frame.pixel(x: 20, y: 15).prefix(3)), colour, tolerance: 8))
        }
    }

    @Test func aPlainDecodeOfAnAnimationIsItsFirstFrame() throws {
        let gif = try threeFrames().joined().encoded(EncodeOptions(format: .gif)).bytes
        let first = try ImageSource.open(gif).decode()
        #expect(first.width == 40 && first.height == 30)
        #expect(Fixtures.close(Array(try first.pixel(x: 5, y: 5).prefix(3)), Fixtures.red, tolerance: 8))
        let still = try first.encoded(EncodeOptions(format: .webp))
        #expect(try ImageSource.open(still.bytes).header.frames == 1)
    }

    @Test func stillImagesHaveNoAnimation() throws {
        #expect(try ImageSource.open(Fixtures.png(Fixtures.quadrants())).decodeAnimation() == nil)
    }

    @Test func framesOfDifferentSizesCannotBeJoined() throws {
        let frames = [try Fixtures.solid(width: 10, height: 10, Fixtures.red), try Fixtures.solid(width: 12, height: 10, Fixtures.red)]
        #expect(throws: ImagingError.self) { try Animation(frames: frames, delays: [], loop: 0).joined() }
    }
}
