import Foundation
import Imaging
import Pipeline

/// The options of one imgproxy URL as they are read, later options overriding earlier ones (as
/// in imgproxy), then settled into a `TransformSpec`.
struct ImgproxyState {
    var resizingType = "fit"
    var width = 0
    var height = 0
    var enlarge = false
    var extend: Gravity?
    var gravity = Gravity.centre
    var focus: FocusPoint?
    var crop: TransformSpec.Crop?
    var dpr = 1.0
    var spec = TransformSpec()
    var delivery = Delivery()
    var cacheBuster: String?

    mutating func apply(_ option: ImgproxyOption, _ a: [String], watermarkPath: String?) throws {
        let args = Arguments(option: option.rawValue, values: a)
        switch option {
        case .resize:
            if let type = args.string(0) { resizingType = try Self.resizingType(type) }
            try readSize(args, from: 1)
        case .size: try readSize(args, from: 0)
        case .resizingType: resizingType = try Self.resizingType(try args.required(0))
        case .width: width = try args.int(0, in: 0...65_535) ?? width
        case .height: height = try args.int(0, in: 0...65_535) ?? height
        case .gravity: (gravity, focus) = try Self.gravity(args, from: 0)
        case .crop:
            let w = try args.int(0, in: 0...65_535) ?? 0
            let h = try args.int(1, in: 0...65_535) ?? 0
            let (g, f) = a.count > 2 ? try Self.gravity(args, from: 2) : (gravity, focus)
            crop = w == 0 && h == 0 ? nil : .box(width: w == 0 ? 65_535 : w, height: h == 0 ? 65_535 : h, gravity: g, focus: f)
        case .quality:
            let q = try args.int(0, in: 0...100) ?? 0
            spec.quality = q == 0 ? nil : q
        case .maxBytes:
            let limit = try args.int(0, in: 0...EncodeOptions.maxBytesRange.upperBound) ?? 0
            spec.maxBytes = limit == 0 ? nil : limit
        case .format: spec.format = try ImgproxyDialect.format(try args.required(0))
        case .blur:
            let sigma = try args.double(0) ?? 0
            spec.blur = sigma == 0 ? nil : sigma
        case .sharpen:
            let sigma = try args.double(0) ?? 0
            spec.sharpen = sigma == 0 ? nil : sigma
        case .pixelate:
            let size = try args.int(0, in: 0...4096) ?? 0
            spec.pixelate = size <= 1 ? nil : size
        case .watermark: try readWatermark(args, path: watermarkPath)
        case .rotate: spec.rotate = ((try args.int(0, in: -3600...3600) ?? 0) % 360 + 360) % 360
        case .flip:
            spec.flipHorizontal = try args.bool(0) ?? false
            spec.flipVertical = try args.bool(1) ?? false
        case .stripMetadata: spec.stripMetadata = try args.bool(0) ?? true
        case .background: spec.background = try Self.background(a)
        case .enlarge: enlarge = try args.bool(0) ?? false
        case .extend: try readExtend(args, from: 0)
        case .dpr:
            guard let value = try args.double(0), value > 0, value <= 8 else { throw DialectError.badOption("dpr must be above 0 and at most 8") }
            dpr = value
        case .cachebuster: cacheBuster = args.string(0)
        case .expires: delivery.expires = try args.int(0, in: 0...Int.max)
        case .filename:
            guard var name = args.string(0) else { break }
            if try args.bool(1) == true {
                guard let bytes = Base64URL.decode(name), let decoded = String(bytes: bytes, encoding: .utf8) else {
                    throw DialectError.badOption("filename: the encoded name is not URL-safe base64")
                }
                name = decoded
            }
            delivery.filename = name
        case .returnAttachment: delivery.attachment = try args.bool(0) ?? false
        case .preset: break  // Expanded by the dialect.
        case .blurDetections:
            let sigma = try args.double(0) ?? 0
            try Self.checkClasses(args, from: 1)
            if sigma > 0 {
                spec.addRedaction(Redaction(faces: true, manual: true, mode: .blur(sigma: sigma)))
            } else {
                spec.removeDetectionRedactions()
            }
        case .pixelateDetections:
            let block = try args.int(0, in: 0...4096) ?? 0
            try Self.checkClasses(args, from: 1)
            if block > 1 {
                spec.addRedaction(Redaction(faces: true, manual: true, mode: .pixelate(block: block)))
            } else {
                spec.removeDetectionRedactions()
            }
        case .blurAreas:
            let sigma = try args.double(0) ?? 0
            let numbers = try (1..<max(1, a.count)).map { try args.double($0) ?? 0 }
            guard numbers.count % 4 == 0 else {
                throw DialectError.badOption("blur_areas takes a sigma, then left:top:width:height for each area, as fractions (0 to 1) of the image")
            }
            let areas = stride(from: 0, to: numbers.count, by: 4).map {
                Region(x: numbers[$0], y: numbers[$0 + 1], width: numbers[$0 + 2], height: numbers[$0 + 3], kind: .manual)
            }
            if sigma > 0, !areas.isEmpty {
                spec.addRedaction(Redaction(faces: false, manual: false, mode: .blur(sigma: sigma), padding: 0, areas: areas))
            }
        }
    }

    private mutating func readSize(_ args: Arguments, from start: Int) throws {
        width = try args.int(start, in: 0...65_535) ?? width
        height = try args.int(start + 1, in: 0...65_535) ?? height
        enlarge = try args.bool(start + 2) ?? enlarge
        if args.values.count > start + 3 { try readExtend(args, from: start + 3) }
    }

    private mutating func readExtend(_ args: Arguments, from start: Int) throws {
        guard try args.bool(start) == true else {
            extend = nil
            return
        }
        extend = args.values.count > start + 1 ? try Self.gravity(args, from: start + 1).0 : .centre
        if extend == .smart || extend == .faces { throw DialectError.badOption("extend cannot use the smart gravity") }
    }

    private mutating func readWatermark(_ args: Arguments, path: String?) throws {
        let opacity = try args.double(0) ?? 0
        guard opacity > 0 else {
            spec.watermark = nil
            return
        }
        guard let path else { throw DialectError.badOption("watermark: no watermark image is configured (transform.watermark)") }
        let position = args.string(1).map { ImgproxyGravity.names[$0] } ?? .southEast
        guard let position, position != .smart, position != .faces else {
            throw DialectError.badOption("watermark: unsupported position '\(args.string(1) ?? "")' (replicate is not supported)")
        }
        let margin = max(abs(try args.int(2, in: -10_000...10_000) ?? 0), abs(try args.int(3, in: -10_000...10_000) ?? 0))
        let scale = try args.double(4) ?? 0
        spec.watermark = TransformSpec.Watermark(
            path: path, opacity: min(opacity, 1), position: position, scale: scale > 0 ? scale : nil, margin: margin)
    }

    /// Settles the size, fit and crop, and checks every argument with the rules recipes use.
    func finish() throws -> TransformSpec {
        var spec = self.spec
        let w = width > 0 ? max(1, Int((Double(width) * dpr).rounded())) : nil
        let h = height > 0 ? max(1, Int((Double(height) * dpr).rounded())) : nil
        if w != nil || h != nil {
            let both = w != nil && h != nil
            var scale = TransformSpec.Scale(width: w, height: h, fit: .inside, gravity: gravity, focus: focus, upscale: enlarge)
            switch resizingType {
            case "fill": scale.fit = both ? .cover : .inside
            case "fill-down":
                scale.fit = both ? .cover : .inside
                scale.upscale = false
            case "force": scale.fit = both ? .fill : .inside
            case "auto": scale.auto = both
            default: scale.fit = .inside
            }
            if scale.fit != .cover { scale.focus = nil }
            spec.resize = scale
            if let extend, both { spec.extend = extend }
        }
        spec.crop = crop
        do {
            try spec.validate()
        } catch let error as ImagingError {
            throw DialectError.badOption(error.message)
        }
        return spec
    }

    static func resizingType(_ text: String) throws -> String {
        guard ["fit", "fill", "fill-down", "force", "auto"].contains(text) else {
            throw DialectError.badOption("unknown resizing type '\(text)'; expected fit, fill, fill-down, force or auto")
        }
        return text
    }

    /// `type:x_offset:y_offset`, `sm`, or `fp:x:y`. Offsets other than 0 are refused: Darkroom
    /// places crops at a gravity or around a focus point, not at offsets.
    static func gravity(_ args: Arguments, from start: Int) throws -> (Gravity, FocusPoint?) {
        guard let type = args.string(start) else { return (.centre, nil) }
        if type == "obj" {
            // imgproxy's object gravity: Darkroom detects faces, so the classes are face or none.
            try checkClasses(args, from: start + 1)
            return (.faces, nil)
        }
        if type == "fp" {
            let x = try args.double(start + 1) ?? 0.5
            let y = try args.double(start + 2) ?? 0.5
            let point = FocusPoint(x: x, y: y)
            guard (try? point.validate()) != nil else { throw DialectError.badOption("gravity fp: coordinates must be between 0 and 1") }
            return (.centre, point)
        }
        guard let gravity = ImgproxyGravity.names[type] else { throw DialectError.badOption("unknown gravity '\(type)'") }
        for index in [start + 1, start + 2] where (try args.double(index) ?? 0) != 0 {
            throw DialectError.badOption("gravity offsets are not supported; use a gravity or fp:x:y")
        }
        return (gravity, nil)
    }

    /// Object classes named after a detection option: Darkroom's detector finds faces only.
    static func checkClasses(_ args: Arguments, from start: Int) throws {
        for index in start..<max(start, args.values.count) {
            guard let name = args.string(index) else { continue }
            guard name == "face" else { throw DialectError.badOption("\(args.option): Darkroom detects faces only, not '\(name)'") }
        }
    }

    /// `R:G:B` or a hex colour; empty resets it.
    static func background(_ a: [String]) throws -> RGBColor? {
        let values = a.filter { !$0.isEmpty }
        if values.isEmpty { return nil }
        if values.count == 1 {
            guard let colour = RGBColor(hex: values[0]) else { throw DialectError.badOption("background: '\(values[0])' is not a hex colour") }
            return colour
        }
        let channels = values.compactMap { UInt8($0) }
        guard values.count == 3, channels.count == 3 else { throw DialectError.badOption("background is R:G:B (0–255 each) or a hex colour") }
        return RGBColor(red: channels[0], green: channels[1], blue: channels[2])
    }
}

/// One option's arguments, read by position; an empty argument keeps the default.
struct Arguments {
    let option: String
    let values: [String]

    func string(_ index: Int) -> String? {
        index < values.count && !values[index].isEmpty ? values[index] : nil
    }

    func required(_ index: Int) throws -> String {
        guard let value = string(index) else { throw DialectError.badOption("\(option) needs an argument") }
        return value
    }

    func int(_ index: Int, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(index) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw DialectError.badOption("\(option): '\(text)' is not a whole number between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    func double(_ index: Int) throws -> Double? {
        guard let text = string(index) else { return nil }
        guard let value = Double(text), value.isFinite else { throw DialectError.badOption("\(option): '\(text)' is not a number") }
        return value
    }

    /// imgproxy's booleans: `1`, `t` and `true`; `0`, `f` and `false`.
    func bool(_ index: Int) throws -> Bool? {
        guard let text = string(index) else { return nil }
        switch text {
        case "1", "t", "true": return true
        case "0", "f", "false": return false
        default: throw DialectError.badOption("\(option): '\(text)' is not a boolean")
        }
    }
}
