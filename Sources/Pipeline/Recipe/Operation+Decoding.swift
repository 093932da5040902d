import Imaging

extension Operation: Decodable {
    /// How a recipe spells each operation's arguments.
    private static func parser(_ name: OperationName) -> @Sendable (Decoder) throws -> Operation {
        switch name {
        case .resize: parseResize
        case .crop: parseCrop
        case .grayscale: parseGrayscale
        case .pixelate: parsePixelate
        case .blur: { try .blur(sigma: parseSigma($0, default: 2, rule: OperationRules.checkBlur)) }
        case .sharpen: { try .sharpen(sigma: parseSigma($0, default: 1, rule: OperationRules.checkSharpen)) }
        case .rotate: parseRotate
        case .flip: parseFlip
        case .watermark: parseWatermark
        case .redact: parseRedact
        }
    }

    static var knownNames: [String] { OperationName.allNames }

    /// An operation is a one-key mapping (`- resize: {width: 800}`) or, for operations without
    /// parameters, a bare name (`- grayscale`).
    public init(from decoder: Decoder) throws {
        if let bare = try? decoder.singleValueContainer().decode(String.self) {
            guard let name = OperationName.named(bare) else { throw Self.unknown(bare, decoder) }
            guard name.takesNoArguments else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "'\(bare)' needs parameters, as '\(bare): {...}'"))
            }
            self = .grayscale
            return
        }
        let container = try decoder.container(keyedBy: AnyKey.self)
        guard container.allKeys.count == 1, let key = container.allKeys.first else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "each operation is a mapping with exactly one name, such as 'resize: {width: 800}'"))
        }
        guard let name = OperationName.named(key.stringValue) else { throw Self.unknown(key.stringValue, decoder) }
        let nested = try container.superDecoder(forKey: key)
        self = try Self.parser(name)(nested)
    }

    private static func unknown(_ name: String, _ decoder: Decoder) -> DecodingError {
        DecodingError.dataCorrupted(
            .init(
                codingPath: decoder.codingPath,
                debugDescription: "unknown operation '\(name)'; expected one of: \(knownNames.joined(separator: ", "))"))
    }

    /// `grayscale: {}`, `grayscale: true` and a bare `grayscale` are accepted.
    private static func parseGrayscale(_ d: Decoder) throws -> Operation {
        if let flag = try? d.singleValueContainer().decode(Bool.self), flag { return .grayscale }
        if (try? d.singleValueContainer().decodeNil()) == true { return .grayscale }
        _ = try d.strictContainer(allowed: [])
        return .grayscale
    }

    private static func parseResize(_ d: Decoder) throws -> Operation {
        let c = try d.strictContainer(allowed: ["width", "height", "fit", "gravity", "upscale", "kernel"])
        let request = Resize(
            width: try c.optional(Int.self, "width"), height: try c.optional(Int.self, "height"),
            fit: try c.choice(Fit.self, "fit") ?? .inside, gravity: try c.choice(Gravity.self, "gravity") ?? .centre,
            upscale: try c.optional(Bool.self, "upscale") ?? false, kernel: try c.choice(ResizeKernel.self, "kernel") ?? .lanczos3)
        try c.checked(request.width == nil ? "height" : "width") { try request.validate() }
        return .resize(request)
    }

    private static func parseCrop(_ d: Decoder) throws -> Operation {
        let c = try d.strictContainer(allowed: ["left", "top", "width", "height", "gravity"])
        let width = try c.required(Int.self, "width")
        let height = try c.required(Int.self, "height")
        let left = try c.optional(Int.self, "left")
        let top = try c.optional(Int.self, "top")
        if let bad = OperationRules.cropProblem(left: left, top: top, width: width, height: height) { throw c.invalid(bad.field, bad.reason) }
        if left != nil || top != nil {
            guard try c.optional(String.self, "gravity") == nil else { throw c.invalid("gravity", "give either left/top or gravity, not both") }
            return .cropRegion(left: left ?? 0, top: top ?? 0, width: width, height: height)
        }
        return .crop(width: width, height: height, gravity: try c.choice(Gravity.self, "gravity") ?? .centre)
    }

    private static func parsePixelate(_ d: Decoder) throws -> Operation {
        let c = try d.strictContainer(allowed: ["block", "size"])
        switch (try c.optional(Int.self, "block"), try c.optional(Int.self, "size")) {
        case (let block?, nil):
            try c.checked("block") { try OperationRules.checkPixelate(block: block) }
            return .pixelate(block: block)
        case (nil, let size?):
            try c.checked("size") { try OperationRules.checkPixelate(size: size) }
            return .pixelateTo(size: size)
        default:
            throw DecodingError.dataCorrupted(
                .init(codingPath: d.codingPath, debugDescription: "give exactly one of 'block' (a mosaic) or 'size' (a tiny square image)"))
        }
    }

    private static func parseSigma(_ d: Decoder, default value: Double, rule: (Double) throws -> Void) throws -> Double {
        let c = try d.strictContainer(allowed: ["sigma"])
        let sigma = try c.optional(Double.self, "sigma") ?? value
        try c.checked("sigma") { try rule(sigma) }
        return sigma
    }

    /// `redact: {faces: true, manual: true, mode: pixelate, block: 16, padding: 0.2}`; `mode: blur`
    /// takes `sigma`, `mode: fill` takes `color`.
    private static func parseRedact(_ d: Decoder) throws -> Operation {
        let c = try d.strictContainer(allowed: ["faces", "manual", "mode", "block", "sigma", "color", "padding"])
        let name = try c.optional(String.self, "mode") ?? "pixelate"
        let mode: RedactionMode
        switch name {
        case "pixelate":
            for field in ["sigma", "color"] where c.contains(AnyKey(field)) {
                throw c.invalid(field, "applies to another redaction mode, not pixelate")
            }
            mode = .pixelate(block: try c.optional(Int.self, "block") ?? RedactionMode.defaultBlock)
        case "blur":
            for field in ["block", "color"] where c.contains(AnyKey(field)) { throw c.invalid(field, "applies to another redaction mode, not blur") }
            mode = .blur(sigma: try c.optional(Double.self, "sigma") ?? RedactionMode.defaultSigma)
        case "fill":
            for field in ["block", "sigma"] where c.contains(AnyKey(field)) { throw c.invalid(field, "applies to another redaction mode, not fill") }
            var colour = RGBColor.black
            if let hex = try c.optional(String.self, "color") {
                guard let parsed = RGBColor(hex: hex) else { throw c.invalid("color", "must be a hex colour such as '#000000', not '\(hex)'") }
                colour = parsed
            }
            mode = .fill(colour)
        default:
            throw c.invalid("mode", "must be pixelate, blur or fill, not '\(name)'")
        }
        let redaction = Redaction(
            faces: try c.optional(Bool.self, "faces") ?? true, manual: try c.optional(Bool.self, "manual") ?? true, mode: mode,
            padding: try c.optional(Double.self, "padding") ?? Redaction.defaultPadding)
        try c.checked(c.contains(AnyKey("padding")) ? "padding" : "mode") { try redaction.validate() }
        return .redact(redaction)
    }

    private static func parseRotate(_ d: Decoder) throws -> Operation {
        let c = try d.strictContainer(allowed: ["degrees"])
        let degrees = try c.required(Int.self, "degrees")
        try c.checked("degrees") { try OperationRules.checkRotation(degrees: degrees) }
        return .rotate(degrees: degrees)
    }

    private static func parseFlip(_ d: Decoder) throws -> Operation {
        let c = try d.strictContainer(allowed: ["direction"])
        guard let direction = try c.choice(FlipDirection.self, "direction") else {
            throw DecodingError.keyNotFound(AnyKey("direction"), .init(codingPath: d.codingPath, debugDescription: "missing"))
        }
        return .flip(direction)
    }

    private static func parseWatermark(_ d: Decoder) throws -> Operation {
        let c = try d.strictContainer(allowed: ["text", "font", "size", "color", "image", "scale", "opacity", "position", "margin"])
        let defaults = WatermarkPlacement()
        let placement = WatermarkPlacement(
            opacity: try c.optional(Double.self, "opacity") ?? defaults.opacity,
            position: try c.choice(Gravity.self, "position") ?? defaults.position,
            margin: try c.optional(Int.self, "margin") ?? defaults.margin)
        try c.checked("opacity") { try placement.validate() }
        switch (try c.optional(String.self, "text"), try c.optional(String.self, "image")) {
        case (let text?, nil):
            for field in ["scale"] where c.contains(AnyKey(field)) { throw c.invalid(field, "applies to image watermarks only") }
            var color = RGBColor.white
            if let hex = try c.optional(String.self, "color") {
                guard let parsed = RGBColor(hex: hex) else { throw c.invalid("color", "must be a hex colour such as '#ffffff', not '\(hex)'") }
                color = parsed
            }
            let mark = TextWatermark(
                text: text, font: try c.optional(String.self, "font") ?? "DejaVu Sans Bold", size: try c.optional(Int.self, "size") ?? 48,
                color: color, placement: placement)
            try c.checked("text") { try mark.validate() }
            return .textWatermark(mark)
        case (nil, let path?):
            for field in ["font", "size", "color"] where c.contains(AnyKey(field)) { throw c.invalid(field, "applies to text watermarks only") }
            let scale = try c.optional(Double.self, "scale") ?? 0.2
            try c.checked("scale") { try ImageWatermark.checkScale(scale) }
            guard !path.isEmpty else { throw c.invalid("image", "must be a path to an image file") }
            return .imageWatermark(path: path, scale: scale, placement: placement)
        default:
            throw DecodingError.dataCorrupted(
                .init(codingPath: d.codingPath, debugDescription: "give exactly one of 'text' or 'image'"))
        }
    }
}
