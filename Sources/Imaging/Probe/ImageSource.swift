import CLibVips
import CVips

/// Encoded image bytes that passed the probe and the limits, ready to decode.
///
/// Opening runs, in order: the byte-size limit; the magic-byte format check; a structural
/// header walk in Swift (no libvips, no pixels); the limits on what that header declares; and
/// only then libvips's lazy header read (orientation, frames), checked against the limits again.
public struct ImageSource: Sendable {
    public let header: ImageHeader
    let bytes: SourceBytes

    public static func open(_ data: some Collection<UInt8>, limits: Limits = .default) throws -> ImageSource {
        try limits.validate(fileBytes: data.count)
        try Vips.start()
        let bytes = SourceBytes(data)
        let reader = ByteReader(base: UnsafeRawBufferPointer(bytes.buffer))
        let format: ImageFormat
        switch SniffedFormat.sniff(reader) {
        case .supported(let f): format = f
        case .unsupported(let name): throw ImagingError.unsupportedFormat(name)
        case .unknown: throw ImagingError.unsupportedFormat("This file")
        }
        guard limits.allowedFormats.contains(format) else { throw ImagingError.formatNotAllowed(format) }

        let declared = try DeclaredSize.read(format, reader)
        if let w = declared.width, let h = declared.height {
            try limits.validate(ImageHeader(format: format, width: w, height: h, frames: declared.frames))
        }

        let lazy = try load(bytes, format: format, shrink: 1, sequential: true)
        let p = lazy.pointer
        let pages = Int(dr_get_int_or(p, "n-pages", 1))
        let pageHeight = Int(dr_get_int_or(p, "page-height", vips_image_get_height(p)))
        var header = ImageHeader(
            format: format,
            width: Int(vips_image_get_width(p)),
            height: pages > 1 && pageHeight > 0 ? pageHeight : Int(vips_image_get_height(p)),
            frames: max(declared.frames, pages),
            orientation: Int(dr_get_int_or(p, "orientation", 1))
        )
        if !(1...8).contains(header.orientation) { header.orientation = 1 }
        try limits.validate(header)
        return ImageSource(header: header, bytes: bytes)
    }

    /// The largest JPEG/WebP shrink-on-load factor (1, 2, 4 or 8) that still decodes at least
    /// `scale` of the full size, so no variant is ever made from fewer pixels than it needs.
    ///
    /// The shrunk size is taken as the floor of the division, the smallest a loader may make it,
    /// and a factor that floors either side to zero is never used: libvips 8.14's JPEG loader
    /// aborts the process (a failed sanity assertion) on a zero-sized shrink, and its WebP loader
    /// refuses one.
    public func shrinkFactor(forScale scale: Double) -> Int {
        guard header.format == .jpeg || header.format == .webp, scale > 0, scale < 1 else { return 1 }
        for factor in [8, 4, 2] where Double(factor) * scale <= 1.0 + 1e-9 {
            let w = header.width / factor
            let h = header.height / factor
            guard w >= 1, h >= 1 else { continue }
            if Double(w) >= (Double(header.width) * scale).rounded(.up) && Double(h) >= (Double(header.height) * scale).rounded(.up) {
                return factor
            }
        }
        return 1
    }

    /// Decodes the first frame once: shrunk on load by `shrink`, converted to 8-bit sRGB (CMYK,
    /// 16-bit and ICC inputs included) and turned upright.
    ///
    /// With `streamed`, the result stays lazy and can be read exactly once: the pixels flow
    /// from the decoder into whatever reads them, never held whole in memory. Use it when one
    /// consumer reads the decode. An image that needs a rotation is always materialised, since
    /// rotating needs random access.
    public func decode(shrink: Int = 1, streamed: Bool = false) throws -> Image {
        let loaded = Image(try Self.load(bytes, format: header.format, shrink: shrink, sequential: true))
        let converted = try loaded.convertedToSRGB().derive("first frame") { dr_single_frame($0) }
        if streamed && header.orientation == 1 {
            return converted
        }
        let image: Image
        do {
            image = try converted.materialized()
        } catch let error as ImagingError {
            throw ImagingError.corrupt(header.format, "its image data is damaged or cut short", detail: error.detail)
        }
        return header.orientation == 1 ? image : try image.autoOriented().materialized()
    }

    static func load(_ bytes: SourceBytes, format: ImageFormat, shrink: Int, sequential: Bool) throws -> VipsImageRef {
        let (buf, len, seq) = (bytes.base, bytes.count, Int32(sequential ? 1 : 0))
        let pointer: UnsafeMutablePointer<VipsImage>? =
            switch format {
            case .jpeg: dr_jpegload(buf, len, Int32(shrink), 1, seq)
            case .png: dr_pngload(buf, len, 1, seq)
            case .webp: dr_webpload(buf, len, 1.0 / Double(shrink), 1, seq)
            case .gif: dr_gifload(buf, len, 1, seq)
            case .heif, .avif: dr_heifload(buf, len, 1, seq)
            case .tiff: dr_tiffload(buf, len, 1, seq)
            }
        guard let pointer else {
            throw ImagingError.corrupt(format, "it could not be decoded", detail: Vips.takeError())
        }
        return VipsImageRef(pointer, source: bytes)
    }
}
