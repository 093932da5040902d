import Imaging
import Pipeline

/// thumbor's `filters:name(args):name(args)/` part.
enum ThumborFilters {
    struct Filter: Equatable {
        var name: String
        var arguments: [String]
    }

    /// The filters, and what follows their `/`. Arguments may hold `/` and `:` (a watermark's
    /// URL), so the end is the first `)/` outside any parentheses.
    static func split(_ text: Substring) throws -> ([Filter], Substring) {
        var filters: [Filter] = []
        var index = text.startIndex
        while true {
            guard let open = text[index...].firstIndex(of: "(") else { throw DialectError.badOption("a filter needs parentheses: name(…)") }
            let name = String(text[index..<open])
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "_") }) else {
                throw DialectError.badOption("'\(name)' is not a filter name")
            }
            var depth = 0
            var close: Substring.Index?
            var cursor = open
            while cursor < text.endIndex {
                if text[cursor] == "(" { depth += 1 }
                if text[cursor] == ")" {
                    depth -= 1
                    if depth == 0 {
                        close = cursor
                        break
                    }
                }
                cursor = text.index(after: cursor)
            }
            guard let close else { throw DialectError.badOption("the filter \(name) is not closed") }
            let inner = text[text.index(after: open)..<close]
            let arguments =
                inner.isEmpty
                ? [] : inner.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
            filters.append(Filter(name: name, arguments: arguments))
            index = text.index(after: close)
            guard index < text.endIndex else { throw DialectError.badSource("the URL names no image after its filters") }
            if text[index] == "/" { return (filters, text[text.index(after: index)...]) }
            guard text[index] == ":" else { throw DialectError.badOption("filters are separated by ':'") }
            index = text.index(after: index)
        }
    }

    static func apply(
        _ filter: Filter, spec: inout TransformSpec, delivery: inout Delivery, upscale: inout Bool?, watermark: inout SourceReference?,
        ignored: inout [String]
    ) throws {
        let a = filter.arguments
        func number(_ index: Int) throws -> Double {
            guard index < a.count, let value = Double(a[index]), value.isFinite else {
                throw DialectError.badOption("\(filter.name)() needs a number as argument \(index + 1)")
            }
            return value
        }
        switch filter.name {
        case "grayscale": spec.grayscale = true
        case "quality": spec.quality = Int(try number(0))
        case "max_bytes": spec.maxBytes = Int(try number(0))
        case "format":
            guard let name = a.first, let format = OutputFormat(rawValue: name == "jpg" ? "jpeg" : name.lowercased()) else {
                throw DialectError.badOption("format() takes webp, jpeg, png, gif or avif")
            }
            spec.format = format
        case "blur":
            let radius = try number(0)
            let sigma = a.count > 1 ? try number(1) : radius
            spec.blur = radius == 0 ? nil : sigma
        case "sharpen":
            // sharpen(amount, radius, luminance_only): the radius is the Gaussian's sigma.
            spec.sharpen = a.count > 1 ? try number(1) : 1
        case "watermark":
            guard a.count >= 4, let source = a.first?.removingPercentEncoding else {
                throw DialectError.badOption("watermark() takes an image, x, y, alpha and optionally w_ratio and h_ratio")
            }
            watermark = try SourceReference.parse(source)
            let alpha = try number(3)
            guard (0...100).contains(alpha) else { throw DialectError.badOption("watermark(): alpha must be between 0 and 100") }
            let (position, margin) = placement(x: a[1], y: a[2])
            let ratio = a.count > 4 && a[4] != "none" ? try number(4) / 100 : nil
            spec.watermark = TransformSpec.Watermark(path: "", opacity: max(0.01, 1 - alpha / 100), position: position, scale: ratio, margin: margin)
        case "strip_exif", "strip_icc": spec.stripMetadata = true
        case "max_age":
            let seconds = Int(try number(0))
            guard seconds >= 0 else { throw DialectError.badOption("max_age() takes seconds, zero or more") }
            delivery.maxAge = seconds
        case "upscale": upscale = true
        case "no_upscale": upscale = false
        case "fill", "background_color":
            if let name = a.first, let colour = colour(name) { spec.background = colour } else { ignored.append(filter.name) }
        case "rotate":
            // thumbor turns counter-clockwise; Darkroom's rotate turns clockwise.
            let degrees = Int(try number(0))
            if degrees % 90 == 0 { spec.rotate = (360 - (degrees % 360 + 360) % 360) % 360 } else { ignored.append(filter.name) }
        case "redact":
            // imagor's spelling: redact(pixelate,16), redact(blur,25), redact(black), and
            // Darkroom's redact(fill,COLOUR); redact() pixelates.
            let mode = a.first?.lowercased() ?? "pixelate"
            let redaction: Redaction
            switch mode {
            case "pixelate", "":
                redaction = Redaction(mode: .pixelate(block: a.count > 1 ? Int(try number(1)) : RedactionMode.defaultBlock))
            case "blur": redaction = Redaction(mode: .blur(sigma: a.count > 1 ? try number(1) : RedactionMode.defaultSigma))
            case "black": redaction = Redaction(mode: .fill(.black))
            case "fill":
                guard a.count > 1, let fill = colour(a[1]) else { throw DialectError.badOption("redact(fill, COLOUR) needs a colour name or hex") }
                redaction = Redaction(mode: .fill(fill))
            default: throw DialectError.badOption("redact() takes pixelate, blur, black or fill, not '\(mode)'")
            }
            spec.addRedaction(redaction)
        default: ignored.append(filter.name)
        }
    }

    /// A watermark's x and y: a number of pixels from the left or top, a negative one from the
    /// right or bottom, or `center`.
    static func placement(x: String, y: String) -> (Gravity, Int) {
        func side(_ text: String) -> (Int, Int) {  // -1 start, 0 centre, 1 end; margin
            if text == "center" { return (0, 0) }
            guard let value = Int(text) else { return (0, 0) }
            return value < 0 ? (1, -value) : (-1, value)
        }
        let (h, mx) = side(x)
        let (v, my) = side(y)
        let gravity: Gravity
        switch (h, v) {
        case (-1, -1): gravity = .northWest
        case (1, -1): gravity = .northEast
        case (-1, 1): gravity = .southWest
        case (1, 1): gravity = .southEast
        case (-1, _): gravity = .west
        case (1, _): gravity = .east
        case (_, -1): gravity = .north
        case (_, 1): gravity = .south
        default: gravity = .centre
        }
        return (gravity, min(max(mx, my), 10_000))
    }

    static func colour(_ text: String) -> RGBColor? {
        let names: [String: RGBColor] = ["white": .white, "black": .black, "red": RGBColor(red: 255, green: 0, blue: 0)]
        return names[text.lowercased()] ?? RGBColor(hex: text)
    }
}
