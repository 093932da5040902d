/// The image formats Darkroom decodes, identified by magic bytes, never by name or Content-Type.
public enum ImageFormat: String, Sendable, CaseIterable, Codable {
    case jpeg, png, webp, gif, heif, avif, tiff

    public var displayName: String {
        switch self {
        case .jpeg: "JPEG"
        case .png: "PNG"
        case .webp: "WebP"
        case .gif: "GIF"
        case .heif: "HEIC"
        case .avif: "AVIF"
        case .tiff: "TIFF"
        }
    }
}

extension ImageFormat {
    /// True when the first bytes of a file look like any image format Darkroom knows, accepted
    /// or refused (SVG, BMP…): what a directory walk should hand to the probe.
    public static func looksLikeImage(_ head: [UInt8]) -> Bool {
        head.withUnsafeBytes { SniffedFormat.sniff(ByteReader(base: $0)) } != .unknown
    }
}

/// What the first bytes of a file say it is.
enum SniffedFormat: Equatable {
    case supported(ImageFormat)
    /// A format we recognise and refuse, such as SVG or BMP, named for the error message.
    case unsupported(String)
    case unknown

    static func sniff(_ b: ByteReader) -> SniffedFormat {
        if b.starts(with: [0xFF, 0xD8, 0xFF]) { return .supported(.jpeg) }
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .supported(.png) }
        if b.starts(with: Array("GIF87a".utf8)) || b.starts(with: Array("GIF89a".utf8)) { return .supported(.gif) }
        if b.starts(with: Array("RIFF".utf8)) && b.matches(Array("WEBP".utf8), at: 8) { return .supported(.webp) }
        if b.starts(with: [0x49, 0x49, 0x2A, 0x00]) || b.starts(with: [0x4D, 0x4D, 0x00, 0x2A])
            || b.starts(with: [0x49, 0x49, 0x2B, 0x00]) || b.starts(with: [0x4D, 0x4D, 0x00, 0x2B])
        {
            return .supported(.tiff)
        }
        if b.matches(Array("ftyp".utf8), at: 4), let format = isoBrandFormat(b) { return format }
        return unsupportedName(b).map(SniffedFormat.unsupported) ?? .unknown
    }

    /// HEIF-family files: the major brand and the compatible brands of the `ftyp` box.
    private static func isoBrandFormat(_ b: ByteReader) -> SniffedFormat? {
        guard let boxSize = b.u32be(at: 0), boxSize >= 16 else { return nil }
        let end = min(Int(boxSize), b.count)
        var brands: [String] = []
        if let major = b.ascii(at: 8, count: 4) { brands.append(major) }
        var offset = 16
        while offset + 4 <= end, let brand = b.ascii(at: offset, count: 4) {
            brands.append(brand)
            offset += 4
        }
        if brands.contains(where: { $0 == "avif" || $0 == "avis" }) { return .supported(.avif) }
        let heif: Set<String> = ["heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs", "mif1", "msf1"]
        if brands.contains(where: heif.contains) { return .supported(.heif) }
        if brands.contains(where: { $0.hasPrefix("jp2") || $0 == "jpx " }) { return .unsupported("JPEG 2000") }
        if brands.contains(where: { $0.hasPrefix("mp4") || $0 == "isom" || $0 == "qt  " }) { return .unsupported("Video (MP4/QuickTime)") }
        return nil
    }

    private static func unsupportedName(_ b: ByteReader) -> String? {
        if b.starts(with: Array("BM".utf8)) { return "BMP" }
        if b.starts(with: [0x00, 0x00, 0x01, 0x00]) { return "ICO" }
        if b.starts(with: Array("%PDF".utf8)) { return "PDF" }
        if b.starts(with: Array("8BPS".utf8)) { return "PSD" }
        if b.starts(with: [0xFF, 0x0A]) || b.starts(with: [0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) { return "JPEG XL" }
        if b.starts(with: [0xFF, 0x4F, 0xFF, 0x51]) || b.starts(with: [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50]) { return "JPEG 2000" }
        if b.count >= 2, b[0] == 0x50, (0x31...0x37).contains(b[1]) { return "PNM/PPM" }
        if let head = b.ascii(at: 0, count: min(b.count, 256)) {
            let lower = head.lowercased()
            if lower.contains("<svg") || (lower.hasPrefix("<?xml") && lower.contains("svg")) { return "SVG" }
        }
        return nil
    }
}

extension ImageFormat {
    /// The format the first bytes of a file say it is, when it is one Darkroom decodes: the
    /// content type of a stored file, whether or not the probe accepts the rest of it.
    public static func identify(_ head: [UInt8]) -> ImageFormat? {
        guard case .supported(let format) = head.withUnsafeBytes({ SniffedFormat.sniff(ByteReader(base: $0)) }) else { return nil }
        return format
    }
}
