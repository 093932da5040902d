import Crypto
import Foundation
import Imaging
import Pipeline
import URLDialects

/// What an info URL asks to be told about a source instead of shown it.
public enum SourceDescription: Sendable {
    /// thumbor's `/meta/…`, with an optional JSONP callback.
    case thumborMeta(ThumborGeometry, callback: String?)
    /// imgproxy's `/info/…`.
    case imgproxyInfo(ImgproxyInfoRequest)
}

extension TransformService {
    /// Answers an info URL the way a render is answered: the source resolved within what is
    /// allowed, the answer cached and coalesced under a key of its own, the render behind the
    /// same gate, limits and deadline. The source is decoded once, shrunk on load to a
    /// thumbnail, in a render child: the header gives its size and frames, the metadata walk its
    /// facts, and that decode its placeholder. A source over the limits fails as a render does.
    public func describe(_ request: TransformRequest, as description: SourceDescription, ifNoneMatch: String? = nil) async throws -> Outcome {
        var spec = TransformSpec()
        spec.resize = TransformSpec.Scale(width: Self.probeSide, height: Self.probeSide, fit: .inside)
        spec.format = .jpeg
        let kind: String
        let finish: Finish
        let keepGPS = settings.keepGPS
        switch description {
        case .thumborMeta(let geometry, let callback):
            kind = "thumbor-meta:\(String(describing: geometry))|callback:\(callback ?? "")"
            finish = { rendered, _ in
                let header = rendered.source
                let meta = geometry.meta(sourceWidth: header.orientedWidth, sourceHeight: header.orientedHeight, frames: header.frames)
                return TransformResult(
                    bytes: try meta.body(callback: callback), contentType: callback == nil ? "application/json" : "text/javascript",
                    width: meta.target.width, height: meta.target.height, created: Date())
            }
        case .imgproxyInfo(let info):
            kind = info.cacheMaterial
            if info.needsPixels {
                let defaults = PlaceholderOptions.default
                spec.placeholders = PlaceholderOptions(
                    blurhashX: info.blurhash?.x ?? defaults.blurhashX, blurhashY: info.blurhash?.y ?? defaults.blurhashY, previewSide: 0)
            }
            finish = { rendered, source in
                let answer = try ImgproxyInfoAnswer(info, rendered: rendered, source: source, keepGPS: keepGPS)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                return TransformResult(
                    bytes: Array(try encoder.encode(answer)), contentType: "application/json", width: rendered.source.orientedWidth,
                    height: rendered.source.orientedHeight, created: Date())
            }
        }
        let settled = spec
        return try await withinDeadline {
            try await self.answer(settled, request: request, varies: false, ifNoneMatch: ifNoneMatch, answerKind: kind, finish: finish)
        }
    }

    /// The longer side of the thumbnail an info answer decodes: more than the 100 px a
    /// placeholder is made from, so shrink-on-load still does most of the work.
    static let probeSide = 128
}

/// imgproxy's info JSON, with the fields it asked for; a field Darkroom cannot know for this
/// source (EXIF the file does not carry) is left out.
struct ImgproxyInfoAnswer: Encodable {
    struct Colour: Encodable {
        var red: Int
        var green: Int
        var blue: Int
        var alpha: Int?

        enum CodingKeys: String, CodingKey {
            case red = "R"
            case green = "G"
            case blue = "B"
            case alpha = "A"
        }

        init?(hex: String, alpha: Int?) {
            guard let colour = RGBColor(hex: hex) else { return nil }
            (red, green, blue, self.alpha) = (Int(colour.red), Int(colour.green), Int(colour.blue), alpha)
        }
    }

    var format: String?
    var mimeType: String?
    var size: Int?
    var width: Int?
    var height: Int?
    var orientation: Int?
    var exif: [String: String]?
    var pagesNumber: Int?
    var alpha: Bool?
    var colorspace: String?
    var sampleFormat: String?
    var average: Colour?
    var dominantColors: [String: Colour]?
    var blurhash: String?
    var thumbHash: String?
    var hashsums: [String: String]?

    enum CodingKeys: String, CodingKey {
        case format, size, width, height, orientation, exif, alpha, colorspace, average, blurhash, hashsums
        case mimeType = "mime_type"
        case pagesNumber = "pages_number"
        case sampleFormat = "sample_format"
        case dominantColors = "dominant_colors"
        case thumbHash = "thumb_hash"
    }

    init(_ info: ImgproxyInfoRequest, rendered: RecipeResult, source: [UInt8], keepGPS: Bool) throws {
        let header = rendered.source
        let facts = rendered.facts
        if info.format {
            format = header.format.rawValue
            mimeType = header.format.contentType
        }
        if info.size { size = source.count }
        if info.dimensions {
            (width, height, orientation) = (header.orientedWidth, header.orientedHeight, header.orientation)
        }
        if info.exif { exif = Self.exif(facts, canonical: info.exifCanonicalNames, keepGPS: keepGPS) }
        if info.pagesNumber { pagesNumber = header.frames }
        if info.alpha { alpha = facts?.hasAlpha }
        if info.colorspace { colorspace = facts?.colorSpace }
        if info.sampleFormat { sampleFormat = facts.map { [8: "uchar", 16: "ushort", 32: "float"][$0.bitDepth] ?? "uchar" } }
        if info.needsPixels {
            guard let placeholder = rendered.placeholder else { throw TransformError.unprocessable("The image's colours could not be computed.") }
            if info.average { average = Colour(hex: placeholder.averageColor, alpha: 255) }
            if info.dominantColors { dominantColors = Colour(hex: placeholder.dominantColor, alpha: nil).map { ["dominant": $0] } }
            if info.blurhash != nil { blurhash = placeholder.blurhash }
            if info.thumbHash, let bytes = Data(base64Encoded: placeholder.thumbhash) {
                thumbHash = bytes.map { String(format: "%02X", $0) }.joined()
            }
        }
        if !info.hashsums.isEmpty {
            var sums: [String: String] = [:]
            for name in info.hashsums {
                let digest: [UInt8] =
                    switch name {
                    case "md5": Array(Insecure.MD5.hash(data: source))
                    case "sha1": Array(Insecure.SHA1.hash(data: source))
                    case "sha512": Array(SHA512.hash(data: source))
                    default: Array(SHA256.hash(data: source))
                    }
                sums[name] = digest.map { String(format: "%02x", $0) }.joined()
            }
            hashsums = sums
        }
    }

    /// The EXIF people look for, from the typed facts, under imgproxy's readable names (libexif's)
    /// or the tag names. GPS only where records keep it too.
    static func exif(_ facts: ImageFacts?, canonical: Bool, keepGPS: Bool) -> [String: String] {
        guard let facts else { return [:] }
        var fields: [(tag: String, readable: String, value: String?)] = [
            ("Make", "Manufacturer", facts.camera?.make),
            ("Model", "Model", facts.camera?.model),
            ("LensModel", "Lens Model", facts.camera?.lens),
            ("DateTimeOriginal", "Date and Time (Original)", facts.takenAt.map(exifDate)),
            ("ExposureTime", "Exposure Time", facts.exposure?.time.map(exposureTime)),
            ("FNumber", "F-Number", facts.exposure?.fNumber.map { "f/\(trimmed($0))" }),
            ("ISOSpeedRatings", "ISO Speed Ratings", facts.exposure?.iso.map(String.init)),
            ("FocalLength", "Focal Length", facts.exposure?.focalLength.map { "\(trimmed($0)) mm" }),
            ("Orientation", "Orientation", String(facts.orientation)),
        ]
        if keepGPS, let gps = facts.gps {
            fields += [
                ("GPSLatitude", "Latitude", String(gps.latitude)), ("GPSLongitude", "Longitude", String(gps.longitude)),
                ("GPSAltitude", "Altitude", gps.altitude.map { String($0) }),
            ]
        }
        var out: [String: String] = [:]
        for field in fields { if let value = field.value { out[canonical ? field.tag : field.readable] = value } }
        return out
    }

    /// `2016-09-11T22:15:03+02:00` back to EXIF's `2016:09:11 22:15:03`.
    static func exifDate(_ iso: String) -> String {
        let plain = iso.prefix(19)
        return plain.replacingOccurrences(of: "-", with: ":").replacingOccurrences(of: "T", with: " ")
    }

    static func exposureTime(_ seconds: Double) -> String {
        guard seconds > 0, seconds < 1 else { return "\(trimmed(seconds))" }
        return "1/\(Int((1 / seconds).rounded()))"
    }

    static func trimmed(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
