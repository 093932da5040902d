import CLibVips
import CVips

@testable import Imaging

/// Image operations only the tests need, to build inputs no recipe makes.
extension Image {
    /// Converts to another libvips colour space, such as 16-bit RGB.
    func converted(to space: VipsInterpretation) throws -> Image {
        try derive("colour conversion") { dr_colourspace($0, space) }
    }

    /// Transforms into a built-in ICC profile ("srgb", "p3" or "cmyk") and embeds it, for inputs
    /// that carry a non-sRGB profile.
    func transformed(toProfile name: String) throws -> Image {
        try name.withCString { profile in try derive("ICC transform") { dr_icc_transform($0, profile) } }
    }

    /// Encodes as lossless TIFF keeping metadata.
    func encodedTIFF() throws -> [UInt8] {
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        guard dr_tiffsave(pointer, &buffer, &length) == 0, let buffer else {
            throw ImagingError.encodeFailed("tiff", detail: Vips.takeError())
        }
        defer { g_free(buffer) }
        return Array(UnsafeRawBufferPointer(start: buffer, count: length))
    }
}
