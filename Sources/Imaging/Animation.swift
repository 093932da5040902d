import CLibVips
import CVips

/// The frames of an animated GIF or WebP, decoded once, with their timing.
public struct Animation: Sendable {
    /// Every frame, upright 8-bit sRGB, all the same size.
    public var frames: [Image]
    /// Display time of each frame in milliseconds.
    public var delays: [Int]
    /// How many times to play; 0 loops forever.
    public var loop: Int

    public init(frames: [Image], delays: [Int], loop: Int) {
        self.frames = frames
        self.delays = delays
        self.loop = loop
    }

    /// The frames stacked into one tall image tagged for animated savers (WebP, GIF).
    public func joined() throws -> Image {
        guard let first = frames.first else { throw ImagingError.invalidArgument("an animation needs at least one frame") }
        guard frames.allSatisfy({ $0.width == first.width && $0.height == first.height }) else {
            throw ImagingError.invalidArgument("every frame of an animation must end up the same size")
        }
        var pointers: [UnsafeMutablePointer<VipsImage>?] = frames.map(\.pointer)
        let strip = try withExtendedLifetime(frames) {
            try first.derive("joining frames") { _ in dr_join_frames(&pointers, Int32(pointers.count)) }
        }
        var timing = (0..<frames.count).map { Int32($0 < delays.count ? delays[$0] : 100) }
        return try strip.derive("tagging animation") { dr_tag_animation($0, Int32(first.height), &timing, Int32(timing.count), Int32(loop)) }
    }
}

extension ImageSource {
    /// Decodes every frame of an animated GIF or WebP. Returns nil for other formats and for
    /// still images, which `decode` handles.
    public func decodeAnimation() throws -> Animation? {
        guard header.frames > 1, header.format == .gif || header.format == .webp else { return nil }
        let loaded: UnsafeMutablePointer<VipsImage>? =
            header.format == .gif ? dr_gifload_all(bytes.base, bytes.count, 1) : dr_webpload_all(bytes.base, bytes.count, 1)
        guard let loaded else { throw ImagingError.corrupt(header.format, "its frames could not be decoded", detail: Vips.takeError()) }
        let strip = Image(VipsImageRef(loaded, source: bytes))
        let pageHeight = Int(dr_get_int_or(loaded, "page-height", vips_image_get_height(loaded)))
        let count = pageHeight > 0 ? strip.height / pageHeight : 0
        guard count >= 1, count * pageHeight == strip.height else {
            throw ImagingError.corrupt(header.format, "its frames have inconsistent sizes")
        }
        var delays = [Int32](repeating: 0, count: count)
        let found = Int(dr_get_delays(loaded, &delays, Int32(count)))
        let loop = Int(dr_get_int_or(loaded, "loop", 0))
        let pixels = try strip.convertedToSRGB().materialized()
        let frames = try (0..<count).map {
            try pixels.cropped(left: 0, top: $0 * pageHeight, width: pixels.width, height: pageHeight).derive("frame") { dr_single_frame($0) }
        }
        return Animation(frames: frames, delays: (0..<count).map { $0 < found ? Int(delays[$0]) : 100 }, loop: loop)
    }
}
