import Foundation
import Yams

/// The recipes a process knows: the built-ins, plus any loaded from a user's file. A user
/// recipe with a built-in's name replaces it.
public struct RecipeCatalog: Sendable {
    public private(set) var recipes: [String: Recipe]

    /// The built-in recipes only.
    public static let builtIn: RecipeCatalog = {
        do {
            return RecipeCatalog(recipes: try parse(yaml: BuiltInRecipes.yaml, file: "<built-in recipes>", baseDirectory: nil))
        } catch {
            fatalError("built-in recipes are invalid: \(error)")
        }
    }()

    init(recipes: [Recipe]) {
        self.recipes = Dictionary(recipes.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// The built-ins, plus the recipes in `file` if given.
    public static func load(file: String?) throws -> RecipeCatalog {
        var catalog = builtIn
        if let file { try catalog.add(contentsOf: file) }
        return catalog
    }

    /// Adds the recipes in a YAML file, validating everything before any is added.
    public mutating func add(contentsOf file: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw RecipeError(file: file, message: "cannot read the recipe file (\(error.localizedDescription))")
        }
        let baseDirectory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        for recipe in try Self.parse(yaml: text, file: file, baseDirectory: baseDirectory) {
            recipes[recipe.name] = recipe
        }
    }

    public func recipe(named name: String) -> Recipe? { recipes[name] }

    public var names: [String] { recipes.keys.sorted() }

    /// Parses and validates recipe YAML. Watermark image paths are resolved against
    /// `baseDirectory` and must name readable files.
    static func parse(yaml text: String, file: String, baseDirectory: String?) throws -> [Recipe] {
        guard text.utf8.count <= 1 << 20 else { throw RecipeError(file: file, message: "the recipe file is larger than 1 MiB") }
        let parsed: RecipeFile
        do {
            parsed = try YAMLDecoder().decode(RecipeFile.self, from: text)
        } catch let error as DecodingError {
            throw RecipeError(file: file, decoding: error)
        } catch let error as YamlError {
            throw RecipeError(file: file, message: "this is not valid YAML: \(error)")
        }
        guard !parsed.recipes.isEmpty else { throw RecipeError(file: file, message: "the file defines no recipes under 'recipes:'") }
        return try parsed.recipes.map { try resolveWatermarks(in: $0, file: file, baseDirectory: baseDirectory) }
    }

    private static func resolveWatermarks(in recipe: Recipe, file: String, baseDirectory: String?) throws -> Recipe {
        var recipe = recipe
        for (v, variant) in recipe.variants.enumerated() {
            for (o, operation) in variant.operations.enumerated() {
                guard case .imageWatermark(let path, let scale, let placement) = operation else { continue }
                let absolute = path.hasPrefix("/") || baseDirectory == nil ? path : baseDirectory! + "/" + path
                guard FileManager.default.isReadableFile(atPath: absolute) else {
                    throw RecipeError(
                        file: file, recipe: recipe.name, variant: variant.name, field: "operations[\(o)].watermark.image",
                        message: "the watermark image '\(absolute)' does not exist or cannot be read")
                }
                recipe.variants[v].operations[o] = .imageWatermark(path: absolute, scale: scale, placement: placement)
            }
        }
        return recipe
    }
}
