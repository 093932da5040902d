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

    public init(name: String, description: String = "", animation: AnimationMode = .first, variants: [Variant]) {
        self.name = name
        self.description = description
        self.animation = animation
        self.variants = variants
    }

    /// Names of recipes and variants become file and object-key segments, so they are kept plain.
    static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }
    }
}

extension Recipe {
    init(name: String, from decoder: Decoder) throws {
        let c = try decoder.strictContainer(allowed: ["description", "animation", "variants"])
        let description = try c.optional(String.self, "description") ?? ""
        let animation = try c.choice(AnimationMode.self, "animation") ?? .first
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
        self.init(name: name, description: description, animation: animation, variants: variants)
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
