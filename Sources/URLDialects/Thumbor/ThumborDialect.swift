import Foundation
import Imaging
import Pipeline

/// Parses thumbor's URLs:
/// `/HMAC|unsafe/[AxB:CxD/][adaptive-][full-]fit-in/[-]Wx[-]H/[halign/][valign/][smart/][filters:…/]IMAGE`.
/// The parts come in thumbor's order; each is optional. Unknown filters are ignored, as thumbor
/// ignores them, and listed in `TransformRequest.ignored`; everything else unknown is refused.
public struct ThumborDialect: Sendable {
    public struct Settings: Sendable {
        /// Nil when no security key is configured: only `unsafe` URLs can then be accepted.
        public var signer: ThumborSigner?
        public var allowUnsigned = false

        public init(signer: ThumborSigner? = nil, allowUnsigned: Bool = false) {
            self.signer = signer
            self.allowUnsigned = allowUnsigned
        }
    }

    public let settings: Settings

    public init(settings: Settings) {
        self.settings = settings
    }

    /// `path` is what follows the mount point, starting with `/` (still percent-encoded).
    public func parse(_ path: String) throws -> ThumborRequest {
        let trimmed = path.drop { $0 == "/" }
        guard let slash = trimmed.firstIndex(of: "/") else { throw DialectError.badOption("the URL has no image") }
        let signature = String(trimmed[..<slash])
        let signed = String(trimmed[trimmed.index(after: slash)...])
        if signature == "unsafe" {
            guard settings.allowUnsigned else { throw DialectError.unsigned("unsafe URLs are refused; sign the URL, or set transform.allowUnsigned") }
        } else {
            guard let signer = settings.signer else {
                throw DialectError.badSignature("no thumbor security key is configured (transform.thumbor.securityKey)")
            }
            guard signer.verify(signature, path: signed) else { throw DialectError.badSignature("the signature does not match") }
        }
        var reader = ThumborPath(signed)
        return try reader.parse()
    }
}

/// A parsed thumbor URL: the request, and a watermark image the server must still resolve.
public struct ThumborRequest: Sendable, Equatable {
    public var request: TransformRequest
    /// The `watermark()` filter's image; `request.spec.watermark.path` is empty until the server
    /// resolves this within the root.
    public var watermarkSource: SourceReference?
    /// Set for `/meta/…` URLs: the geometry as the URL wrote it, which the answer describes.
    public var meta: ThumborGeometry?
}

/// The signed part of a thumbor URL, read part by part.
struct ThumborPath {
    var rest: Substring

    init(_ text: String) { rest = Substring(text) }

    private mutating func take(_ matches: (Substring) -> Bool) -> Substring? {
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let segment = rest[..<slash]
        guard matches(segment) else { return nil }
        rest = rest[rest.index(after: slash)...]
        return segment
    }

    mutating func parse() throws -> ThumborRequest {
        let meta = take { $0 == "meta" } != nil
        var geometry = ThumborGeometry()
        if let unsupported = take({ $0 == "debug" || $0 == "meta" || $0 == "trim" || $0.hasPrefix("trim:") }) {
            throw DialectError.badOption("'\(unsupported)' is not supported")
        }
        var spec = TransformSpec()
        var delivery = Delivery()
        var ignored: [String] = []
        if let crop = take({ Self.cropRegion($0) != nil }), let (l, t, r, b) = Self.cropRegion(crop) {
            geometry.crop = .init(left: l, top: t, right: r, bottom: b)
            if r > l && b > t { spec.crop = .region(left: l, top: t, width: r - l, height: b - t) }
        }
        let fitIn = take { $0 == "fit-in" || $0 == "adaptive-fit-in" || $0 == "full-fit-in" || $0 == "adaptive-full-fit-in" }
        var size: (flipH: Bool, width: Int?, flipV: Bool, height: Int?)?
        if let segment = take({ Self.size($0) != nil }) { size = Self.size(segment) }
        var horizontal = "center"
        var vertical = "middle"
        if let h = take({ ["left", "right", "center"].contains($0) }) { horizontal = String(h) }
        if let v = take({ ["top", "bottom", "middle"].contains($0) }) { vertical = String(v) }
        let smart = take { $0 == "smart" } != nil
        var upscale: Bool?
        var watermarkSource: SourceReference?
        if rest.hasPrefix("filters:") {
            let (filters, remainder) = try ThumborFilters.split(rest.dropFirst("filters:".count))
            rest = remainder
            for filter in filters {
                try ThumborFilters.apply(filter, spec: &spec, delivery: &delivery, upscale: &upscale, watermark: &watermarkSource, ignored: &ignored)
            }
        }
        guard !rest.isEmpty, let image = String(rest).removingPercentEncoding else { throw DialectError.badSource("the URL names no image") }
        if let fitIn {
            geometry.fitIn = true
            geometry.full = fitIn.contains("full-")
            geometry.adaptive = fitIn.hasPrefix("adaptive-")
        }
        (geometry.horizontal, geometry.vertical, geometry.url) = (horizontal, vertical, image)
        if let size { (geometry.flipHorizontal, geometry.width, geometry.flipVertical, geometry.height) = size }

        if let size {
            spec.flipHorizontal = size.flipH
            spec.flipVertical = size.flipV
            if size.width != nil || size.height != nil {
                var scale = TransformSpec.Scale(width: size.width, height: size.height, fit: .inside)
                if let fitIn {
                    scale.fit = fitIn.contains("full-") && size.width != nil && size.height != nil ? .outside : .inside
                    scale.adaptive = fitIn.hasPrefix("adaptive-")
                    scale.upscale = upscale ?? false
                } else {
                    // thumbor's default: fill the box and crop, enlarging when the source is smaller.
                    scale.fit = size.width != nil && size.height != nil ? .cover : .inside
                    // thumbor's smart crop centres on the faces it detects: so does Darkroom's
                    // (`faces`, which falls back to `smart` where none are found).
                    scale.gravity = smart ? .faces : Self.gravity(horizontal, vertical)
                    scale.upscale = upscale ?? true
                }
                spec.resize = scale
            }
        }
        do {
            try spec.validate()
        } catch let error as ImagingError {
            throw DialectError.badOption(error.message)
        }
        let request = TransformRequest(source: try SourceReference.parse(image), spec: spec, delivery: delivery, ignored: ignored)
        return ThumborRequest(request: request, watermarkSource: watermarkSource, meta: meta ? geometry : nil)
    }

    /// `AxB:CxD`: left, top, right, bottom.
    static func cropRegion(_ text: Substring) -> (Int, Int, Int, Int)? {
        let corners = text.split(separator: ":", omittingEmptySubsequences: false)
        guard corners.count == 2 else { return nil }
        let a = corners[0].split(separator: "x", omittingEmptySubsequences: false).compactMap { Int($0) }
        let b = corners[1].split(separator: "x", omittingEmptySubsequences: false).compactMap { Int($0) }
        guard a.count == 2, b.count == 2, (a + b).allSatisfy({ (0...65_535).contains($0) }) else { return nil }
        return (a[0], a[1], b[0], b[1])
    }

    /// `[-]W x [-]H`, each side a number, `orig` (the source's own, read as "follow the other
    /// side"), or empty.
    static func size(_ text: Substring) -> (Bool, Int?, Bool, Int?)? {
        let sides = text.split(separator: "x", maxSplits: 1, omittingEmptySubsequences: false)
        guard sides.count == 2 else { return nil }
        func side(_ s: Substring) -> (Bool, Int?)? {
            let flip = s.hasPrefix("-")
            let digits = flip ? s.dropFirst() : s
            if digits.isEmpty || digits == "orig" { return (flip, nil) }
            guard digits.allSatisfy(\.isASCII), let value = Int(digits), (0...65_535).contains(value) else { return nil }
            return (flip, value == 0 ? nil : value)
        }
        guard let w = side(sides[0]), let h = side(sides[1]) else { return nil }
        return (w.0, w.1, h.0, h.1)
    }

    static func gravity(_ horizontal: String, _ vertical: String) -> Gravity {
        switch (horizontal, vertical) {
        case ("left", "top"): .northWest
        case ("right", "top"): .northEast
        case ("left", "bottom"): .southWest
        case ("right", "bottom"): .southEast
        case ("left", _): .west
        case ("right", _): .east
        case (_, "top"): .north
        case (_, "bottom"): .south
        default: .centre
        }
    }
}
