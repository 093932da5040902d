import ArgumentParser
import Pipeline

/// `darkroom recipes`: lists the recipes and their variants, checking a recipe file on the way.
struct RecipesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recipes", abstract: "List the built-in recipes, plus those in a recipe file, validating it.")

    @Option(help: "A YAML recipe file to validate and list with the built-ins.")
    var recipes: String?

    func run() throws {
        let catalog = try RecipeCatalog.loadForCommandLine(file: recipes)
        for name in catalog.names {
            guard let recipe = catalog.recipe(named: name) else { continue }
            print("\(name): \(recipe.description)")
            for variant in recipe.variants {
                let steps = variant.operations.map(\.name).joined(separator: " → ")
                print("  \(variant.name) [\(variant.output.format.rawValue)] \(steps)")
            }
        }
    }
}

extension RecipeCatalog {
    /// Loads the catalog, turning a bad recipe file into a usage error (exit 2).
    static func loadForCommandLine(file: String?) throws -> RecipeCatalog {
        do {
            return try load(file: file)
        } catch let error as RecipeError {
            throw ValidationError(error.description)
        }
    }
}
