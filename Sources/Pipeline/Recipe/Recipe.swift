import Imaging

/// What a recipe does with an animated GIF or WebP.
public enum AnimationMode: String, Sendable, CaseIterable {
    /// Process the first frame only (the default).
    case first
    /// Apply every variant's operations to every frame; variants in WebP or GIF stay animated,
    /// variants in other formats get the first frame.
    case keep
}

/// A named set of variants made from one upload.
public struct Recipe: Sendable, Equatable {
    public var name: String
    public var description: String
    public var animation: AnimationMode
    /// In the order the recipe file lists them.
    public var variants: [Variant]
    /// How each image's placeholder is made (BlurHash, ThumbHash, colours, a tiny preview);
    /// nil when the recipe turns them off.
    public var placeholders: PlaceholderOptions?

    public init(
        name: String, description: String = "", animation: AnimationMode = .first, variants: [Variant],
        placeholders: PlaceholderOptions? = .default
    ) {
        self.name = name
        self.description = description
        self.animation = animation
        self.variants = variants
        self.placeholders = placeholders
    }

    /// Names of recipes and variants become file and object-key segments, so they are kept plain.
    static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }
    }
}

extension Recipe {
    init(name: String, from decoder: Decoder) throws {
        let c = try decoder.strictContainer(allowed: ["description", "animation", "placeholders", "variants"])
        let description = try c.optional(String.self, "description") ?? ""
        let animation = try c.choice(AnimationMode.self, "animation") ?? .first
        let placeholders = try Self.placeholders(c)
        let variantsDecoder = try c.superDecoder(forKey: AnyKey("variants"))
        let container = try variantsDecoder.container(keyedBy: AnyKey.self)
        guard !container.allKeys.isEmpty else { throw c.invalid("variants", "a recipe needs at least one variant") }
        var variants: [Variant] = []
        for key in container.allKeys {
            guard Self.isSafeName(key.stringValue) else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: container.codingPath + [key],
                        debugDescription: "variant names may use letters, digits, '-' and '_' only (64 at most)"))
            }
            variants.append(try Variant(name: key.stringValue, from: container.superDecoder(forKey: key)))
        }
        self.init(name: name, description: description, animation: animation, variants: variants, placeholders: placeholders)
    }

    /// `placeholders: false` turns them off; `true`, or a mapping with `blurhash: {x, y}` and
    /// `preview` (the tiny preview's side, 0 for none), sets them. They are on by default.
    private static func placeholders(_ c: StrictContainer) throws -> PlaceholderOptions? {
        guard c.contains(AnyKey("placeholders")) else { return .default }
        if let on = try? c.optional(Bool.self, "placeholders") { return on ? .default : nil }
        let nested = try c.superDecoder(forKey: AnyKey("placeholders"))
        let fields = try nested.strictContainer(allowed: ["blurhash", "preview"])
        var options = PlaceholderOptions.default
        if fields.contains(AnyKey("blurhash")) {
            let blurhash = try fields.superDecoder(forKey: AnyKey("blurhash")).strictContainer(allowed: ["x", "y"])
            options.blurhashX = try blurhash.optional(Int.self, "x") ?? options.blurhashX
            options.blurhashY = try blurhash.optional(Int.self, "y") ?? options.blurhashY
        }
        options.previewSide = try fields.optional(Int.self, "preview") ?? options.previewSide
        try c.checked("placeholders") { try options.validate() }
        return options
    }
}

/// The top level of a recipe file: `recipes:` mapping names to recipes.
struct RecipeFile: Decodable {
    var recipes: [Recipe]

    init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(allowed: ["recipes"])
        let all = try c.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("recipes"))
        recipes = []
        for key in all.allKeys {
            guard Recipe.isSafeName(key.stringValue) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: all.codingPath + [key], debugDescription: "recipe names may use letters, digits, '-' and '_' only (64 at most)")
                )
            }
            recipes.append(try Recipe(name: key.stringValue, from: all.superDecoder(forKey: key)))
        }
    }
}
