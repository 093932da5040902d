import CLibVips
import CVips

extension Image {
    /// Builds an 8-bit sRGB (3 bands) or sRGB+alpha (4 bands) image from raw interleaved pixels.
    /// The bytes are copied.
    public init(pixels: [UInt8], width: Int, height: Int, bands: Int) throws {
        try Vips.start()
        guard width > 0, height > 0, [1, 2, 3, 4].contains(bands), pixels.count == width * height * bands else {
            throw ImagingError.invalidArgument("pixels must hold width × height × bands bytes")
        }
        let made = pixels.withUnsafeBytes { raw in
            vips_image_new_from_memory_copy(raw.baseAddress, raw.count, Int32(width), Int32(height), Int32(bands), VIPS_FORMAT_UCHAR)
        }
        guard let made else { throw ImagingError.processingFailed("building an image", detail: Vips.takeError()) }
        let image = Image(VipsImageRef(made, source: nil))
        let space = bands <= 2 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB
        self = try image.derive("tagging colour space") { dr_copy_interpretation($0, space) }
    }

    /// Every pixel as 8-bit interleaved bytes, row by row.
    public func pixelBytes() throws -> [UInt8] {
        let image = try castedToUchar()
        var length = 0
        guard let memory = vips_image_write_to_memory(image.pointer, &length) else {
            throw ImagingError.processingFailed("reading pixels", detail: Vips.takeError())
        }
        defer { g_free(memory) }
        return Array(UnsafeRawBufferPointer(start: memory, count: length))
    }
}
