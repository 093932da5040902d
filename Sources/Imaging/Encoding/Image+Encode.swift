import CLibVips
import CVips

extension Image {
    /// Encodes the image, flattening alpha first when the format cannot carry it.
    public func encoded(_ options: EncodeOptions) throws -> EncodedImage {
        try options.validate()
        if options.qualityTarget != nil || options.maxBytes != nil {
            var (image, choice) = try encodedSearchingQuality(options)
            image.qualityChoice = choice
            return image
        }
        var image = options.format.supportsAlpha ? self : try flattened(onto: options.background)
        if options.stripMetadata {
            // Savers are also asked to strip, but libvips 8.14's WebP saver writes EXIF and XMP
            // regardless; removing the fields first keeps GPS out of every format.
            image = try image.derive("removing metadata") { dr_copy_without_metadata($0) }
        }
        let strip: Int32 = options.stripMetadata ? 1 : 0
        let quality = Int32(options.quality ?? options.format.defaultQuality)
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        let status: Int32 =
            switch options.format {
            case .jpeg: dr_jpegsave(image.pointer, quality, options.progressive ? 1 : 0, strip, &buffer, &length)
            case .png: dr_pngsave(image.pointer, Int32(options.compression), strip, &buffer, &length)
            case .webp: dr_webpsave(image.pointer, quality, options.lossless ? 1 : 0, strip, &buffer, &length)
            case .avif: dr_avifsave(image.pointer, quality, Int32(9 - options.speed), strip, &buffer, &length)
            case .gif: dr_gifsave(image.pointer, strip, &buffer, &length)
            }
        guard status == 0, let buffer else {
            throw ImagingError.encodeFailed(options.format.rawValue, detail: Vips.takeError())
        }
        defer { g_free(buffer) }
        var bytes = Array(UnsafeRawBufferPointer(start: buffer, count: length))
        if options.format == .webp && options.stripMetadata {
            bytes = WebPMetadata.stripped(bytes)
        }
        // An animation is a tall strip of frames; its height is one frame's.
        let height = Int(dr_get_int_or(image.pointer, "page-height", Int32(image.height)))
        return EncodedImage(bytes: bytes, format: options.format, width: image.width, height: height)
    }
}
