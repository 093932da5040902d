import Foundation

/// What an imgproxy `/info/%signature/%info_options/plain/%source` URL asks for: the fields of
/// imgproxy's documented info options that Darkroom computes. Defaults are imgproxy's (size,
/// format, dimensions and EXIF on; the slow ones off). An option Darkroom cannot answer
/// (IPTC, XMP, video, objects, palettes, perceptual hashes) is refused when asked for, never
/// answered with nothing.
public struct ImgproxyInfoRequest: Sendable, Equatable {
    public var source: SourceReference
    public var size = true
    public var format = true
    public var dimensions = true
    public var exif = true
    /// EXIF keys as tag names (`DateTimeOriginal`) instead of imgproxy's readable names.
    public var exifCanonicalNames = false
    public var pagesNumber = false
    public var alpha = false
    public var colorspace = false
    public var sampleFormat = false
    public var average = false
    public var dominantColors = false
    /// BlurHash components across and down; nil for none.
    public var blurhash: Components?
    public struct Components: Sendable, Equatable {
        public var x: Int
        public var y: Int
    }
    public var thumbHash = false
    /// `sha256`, `sha1`, `sha512`, `md5`, in the order asked.
    public var hashsums: [String] = []
    public var cacheBuster: String?

    public init(source: SourceReference) {
        self.source = source
    }

    /// True when an answer needs the pixels decoded, not only the header.
    public var needsPixels: Bool { average || dominantColors || blurhash != nil || thumbHash }

    /// Every field that changes the answer, for the cache key.
    public var cacheMaterial: String {
        let flags = [
            size, format, dimensions, exif, exifCanonicalNames, pagesNumber, alpha, colorspace, sampleFormat, average, dominantColors, thumbHash,
        ]
        return "info:" + flags.map { $0 ? "1" : "0" }.joined()
            + "|bh:\(blurhash.map { "\($0.x)x\($0.y)" } ?? "")|chs:\(hashsums.joined(separator: ","))"
            + "|cb:\(cacheBuster ?? "")"
    }

    public static let hashsumTypes = ["md5", "sha1", "sha256", "sha512"]
}

extension ImgproxyDialect {
    /// Parses what follows `/info` (starting with `/`, still percent-encoded). The signature
    /// covers the path after it, as for a processing URL.
    public func parseInfo(_ path: String, now: Date = Date()) throws -> ImgproxyInfoRequest {
        let url = try split(path)
        if let ext = url.extension, !ext.isEmpty { throw DialectError.badOption("an info URL takes no output extension ('\(ext)')") }
        var info = ImgproxyInfoRequest(source: try SourceReference.parse(url.source))
        var expires: Int?
        for option in url.options {
            let parts = option.split(separator: ":", omittingEmptySubsequences: false).map { $0.removingPercentEncoding ?? String($0) }
            let args = Arguments(option: parts[0], values: Array(parts.dropFirst()))
            switch parts[0] {
            case "size", "s": info.size = try args.bool(0) ?? true
            case "format", "f": info.format = try args.bool(0) ?? true
            case "dimensions", "d": info.dimensions = try args.bool(0) ?? true
            case "exif":
                info.exif = try args.bool(0) ?? true
                info.exifCanonicalNames = try args.bool(1) ?? false
            case "pages_number", "pn": info.pagesNumber = try args.bool(0) ?? false
            case "alpha", "a":
                info.alpha = try args.bool(0) ?? false
                if try args.bool(1) == true { throw DialectError.badOption("alpha: Darkroom does not check for actual transparency") }
            case "colorspace", "cs": info.colorspace = try args.bool(0) ?? false
            case "sample_format", "sf": info.sampleFormat = try args.bool(0) ?? false
            case "average", "avg":
                info.average = try args.bool(0) ?? false
                if try args.bool(1) == false { throw DialectError.badOption("average: Darkroom always ignores fully transparent pixels") }
            case "dominant_colors", "dc":
                info.dominantColors = try args.bool(0) ?? false
                if try args.bool(1) == true { throw DialectError.badOption("dominant_colors: Darkroom finds one dominant colour and builds none") }
            case "blurhash", "bh":
                let x = try args.int(0, in: 0...9) ?? 0
                let y = try args.int(1, in: 0...9) ?? 0
                guard (x == 0) == (y == 0) else { throw DialectError.badOption("blurhash needs both component counts, 1 to 9 each") }
                info.blurhash = x == 0 ? nil : .init(x: x, y: y)
            case "thumb_hash", "th": info.thumbHash = try args.bool(0) ?? false
            case "calc_hashsums", "chs":
                for name in args.values where !name.isEmpty {
                    guard ImgproxyInfoRequest.hashsumTypes.contains(name) else {
                        throw DialectError.badOption("calc_hashsums: '\(name)' is not md5, sha1, sha256 or sha512")
                    }
                    if !info.hashsums.contains(name) { info.hashsums.append(name) }
                }
            case "page", "pg":
                guard try args.int(0, in: 0...Int.max) ?? 0 == 0 else { throw DialectError.badOption("page: Darkroom describes the first page only") }
            case "cachebuster", "cb": info.cacheBuster = args.string(0)
            case "expires", "exp": expires = try args.int(0, in: 0...Int.max)
            case "iptc", "xmp", "video_meta", "vm", "detect_objects", "do", "classify", "cl", "crop", "c", "objects_position", "obj_pos",
                "op", "palette", "p", "perceptual_hash", "phash", "ph", "bands", "b", "hashsum", "hs":
                // Off is always fine; on is refused rather than silently left out.
                let on = parts.count > 1 && !["0", "f", "false", "", "none"].contains(parts[1])
                if on { throw DialectError.badOption("the info option '\(parts[0])' is not supported by Darkroom") }
            default: throw DialectError.badOption("unknown info option '\(parts[0])'")
            }
        }
        if let expires, Double(expires) < now.timeIntervalSince1970 { throw DialectError.expired("the URL expired at \(expires)") }
        return info
    }
}
