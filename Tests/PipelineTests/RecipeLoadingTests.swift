import Foundation
import Imaging
import Testing

@testable import Pipeline

@Suite struct RecipeLoadingTests {
    @Test func builtInsMirrorTheSeedSystem() throws {
        let catalog = RecipeCatalog.builtIn
        #expect(catalog.names == ["default", "grayscale", "pixelate", "privacy", "watermark"])
        let standard = try #require(catalog.recipe(named: "default"))
        #expect(standard.variants.map(\.name) == ["thumbnail", "medium", "large"])
        let boxes = standard.variants.compactMap { variant -> Int? in
            if case .resize(let r) = variant.operations.first { return r.width } else { return nil }
        }
        #expect(boxes == [150, 800, 1600])
        #expect(standard.variants.allSatisfy { $0.output.format == .jpeg })
        let pixelate = try #require(catalog.recipe(named: "pixelate"))
        #expect(pixelate.variants.map(\.name) == ["pixel-8", "pixel-16", "pixel-32", "pixel-48", "pixel-64", "mosaic"])
        #expect(try #require(catalog.recipe(named: "grayscale")).variants[0].output.format == .png)
    }

    @Test func userRecipesLoadWithEveryOperationAndKeepTheirOrder() throws {
        let path = try Support.recipeFile(
            """
            recipes:
              everything:
                description: Every operation once.
                variants:
                  z-last-alphabetically:
                    format: webp
                    quality: 70
                    lossless: false
                    operations:
                      - resize: {width: 300, height: 200, fit: cover, gravity: smart, kernel: lanczos2}
                      - crop: {width: 200, height: 100, gravity: north}
                      - crop: {left: 10, top: 10, width: 50, height: 50}
                      - greyscale
                      - grayscale: {}
                      - pixelate: {block: 8}
                      - pixelate: {size: 16}
                      - blur: {sigma: 1.5}
                      - sharpen: {}
                      - rotate: {degrees: 270}
                      - flip: {direction: vertical}
                      - watermark: {text: "© me", color: "#ff8800", opacity: 0.3, position: north-west, margin: 4}
                  a-second:
                    format: avif
                    speed: 8
                    operations: [{resize: {height: 90}}]
                  png:
                    format: png
                    compression: 9
                    background: "#000000"
                    strip: false
            """)
        let catalog = try RecipeCatalog.load(file: path)
        let recipe = try #require(catalog.recipe(named: "everything"))
        #expect(recipe.variants.map(\.name) == ["z-last-alphabetically", "a-second", "png"])
        #expect(recipe.variants[0].operations.count == 12)
        #expect(recipe.variants[0].operations[3] == .grayscale && recipe.variants[0].operations[4] == .grayscale)
        #expect(recipe.variants[0].operations[10] == .flip(.vertical))
        #expect(recipe.variants[1].output.speed == 8)
        #expect(recipe.variants[2].output.stripMetadata == false && recipe.variants[2].output.background == .black)
        #expect(recipe.variants[2].operations.isEmpty)
        #expect(catalog.recipe(named: "default") != nil, "built-ins stay available beside user recipes")
    }

    @Test func aUserRecipeReplacesABuiltInOfTheSameName() throws {
        let path = try Support.recipeFile("recipes:\n  default:\n    variants:\n      only: {format: png}\n")
        #expect(try RecipeCatalog.load(file: path).recipe(named: "default")?.variants.map(\.name) == ["only"])
    }

    @Test func imageWatermarkPathsResolveAgainstTheRecipeFile() throws {
        let path = try Support.recipeFile(
            "recipes:\n  logo:\n    variants:\n      v:\n        format: jpeg\n        operations: [{watermark: {image: logo.png, scale: 0.25}}]\n")
        let logo = (path as NSString).deletingLastPathComponent + "/logo.png"
        try Data(Support.photo(width: 20, height: 20)).write(to: URL(fileURLWithPath: logo))
        let recipe = try #require(try RecipeCatalog.load(file: path).recipe(named: "logo"))
        guard case .imageWatermark(let resolved, let scale, _) = recipe.variants[0].operations[0] else {
            Issue.record("expected an image watermark")
            return
        }
        #expect(resolved == logo && scale == 0.25)
    }
}
