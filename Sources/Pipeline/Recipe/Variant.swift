import Imaging

/// One output of a recipe: a list of operations and how to encode the result.
public struct Variant: Sendable, Equatable {
    /// Also the output's file stem: `<variant>.<ext>`. Letters, digits, '-' and '_' only.
    public var name: String
    public var operations: [Operation]
    public var output: EncodeOptions

    public init(name: String, operations: [Operation], output: EncodeOptions) {
        self.name = name
        self.operations = operations
        self.output = output
    }
}

extension Variant {
    static let fields = [
        "operations", "format", "quality", "target", "qualityRange", "maxBytes", "progressive", "compression", "lossless", "speed", "background",
        "strip",
    ]

    /// Decodes a variant's body; the name comes from its key in the recipe.
    init(name: String, from decoder: Decoder) throws {
        let c = try decoder.strictContainer(allowed: Self.fields)
        guard let format = try c.choice(OutputFormat.self, "format") else {
            throw DecodingError.keyNotFound(AnyKey("format"), .init(codingPath: decoder.codingPath, debugDescription: "missing"))
        }
        var output = EncodeOptions(format: format)
        if let text = try? c.optional(String.self, "quality"), text == "auto" {
            var target = QualityTarget.default
            target.ssim = try c.optional(Double.self, "target") ?? target.ssim
            if let range = try c.optional([Int].self, "qualityRange") {
                guard range.count == 2 else { throw c.invalid("qualityRange", "is two qualities, [lowest, highest], not \(range)") }
                (target.minQuality, target.maxQuality) = (range[0], range[1])
            }
            output.qualityTarget = target
        } else {
            output.quality = try c.optional(Int.self, "quality")
            for key in ["target", "qualityRange"] where c.contains(AnyKey(key)) {
                throw c.invalid(key, "only goes with quality: auto")
            }
        }
        output.maxBytes = try c.optional(Int.self, "maxBytes")
        output.progressive = try c.optional(Bool.self, "progressive") ?? false
        output.compression = try c.optional(Int.self, "compression") ?? output.compression
        output.lossless = try c.optional(Bool.self, "lossless") ?? false
        output.speed = try c.optional(Int.self, "speed") ?? output.speed
        output.stripMetadata = try c.optional(Bool.self, "strip") ?? true
        if let hex = try c.optional(String.self, "background") {
            guard let colour = RGBColor(hex: hex) else { throw c.invalid("background", "must be a hex colour such as '#ffffff', not '\(hex)'") }
            output.background = colour
        }
        if let bad = output.invalidSetting { throw c.invalid(bad.field, bad.reason) }
        let operations = try c.optional([Operation].self, "operations") ?? []
        self.init(name: name, operations: operations, output: output)
    }
}
