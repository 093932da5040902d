import Foundation
import Imaging
import ImagingFixtures
import Testing

@testable import Pipeline

@Suite struct RecipeRunnerTests {
    func run(_ name: String, _ bytes: [UInt8]) throws -> RecipeResult {
        try RecipeRunner(recipe: try #require(RecipeCatalog.builtIn.recipe(named: name))).run(bytes)
    }

    @Test func defaultRecipeMakesThreeBoundedJPEGsFromOneShrunkDecode() throws {
        let result = try run("default", try Support.photo(width: 4000, height: 3000))
        #expect(result.decodeShrink == 2, "a 1600 px box from 4000 px should decode at half size")
        let sizes = result.variants.map { "\($0.name) \($0.image.width)x\($0.image.height)" }
        #expect(sizes == ["thumbnail 150x113", "medium 800x600", "large 1600x1200"])
        for variant in result.variants {
            #expect(variant.image.bytes.starts(with: [0xFF, 0xD8, 0xFF]))
            let header = try ImageSource.open(variant.image.bytes).header
            #expect(header.width == variant.image.width && header.height == variant.image.height)
        }
    }

    @Test func smallSourcesAreNeverUpscaled() throws {
        let result = try run("default", try Support.photo(width: 640, height: 480))
        #expect(result.decodeShrink == 1)
        #expect(result.variants.map(\.image.width) == [150, 640, 640])
    }

    @Test(arguments: [(600, 900), (900, 600), (1600, 1200), (1601, 1201), (800, 800), (150, 150), (3, 4000)])
    func sourcesNearTheBoxSizesUseEachDecodeOnce(width: Int, height: Int) throws {
        // A source smaller than the largest box makes that variant's resize a no-op, so its
        // stage ties with the decode; the streamed decode must still be read only once.
        let result = try run("default", try Support.photo(width: width, height: height))
        for (variant, box) in zip(result.variants, [150, 800, 1600]) {
            let expected = Resize(width: box, height: box).scales(width: width, height: height).x
            #expect(variant.image.width == max(1, Int((Double(width) * expected).rounded())))
        }
    }

    @Test func chainedVariantsMatchDirectOnes() throws {
        let photo = try Support.photo(width: 2400, height: 1800)
        let result = try run("default", photo)
        let direct = try ImageSource.open(photo).decode().resized(Resize(width: 150, height: 150, kernel: .cubic))
        let chained = try ImageSource.open(try #require(result.variants.first).image.bytes).decode()
        #expect(direct.width == chained.width && direct.height == chained.height)
        let (a, b) = (try direct.pixelBytes(), try chained.pixelBytes())
        let meanDifference = Double(zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.count)
        #expect(meanDifference < 4, "chained thumbnail differs from a direct one by \(meanDifference) on average")
    }

    @Test func derivationPlanRunsLargestFirstAndChains() throws {
        let recipe = try #require(RecipeCatalog.builtIn.recipe(named: "default"))
        let plan = DerivationPlan(recipe: recipe, orientedWidth: 4032, orientedHeight: 3024)
        #expect(plan.order.map { recipe.variants[$0].name } == ["large", "medium", "thumbnail"])
        #expect(Set(plan.keepsStage.map { recipe.variants[$0].name }) == ["large", "medium"])
        #expect(plan.streamsDecode)
    }

    @Test func aVariantWithoutAResizeNeedsTheFullDecode() throws {
        let path = try Support.recipeFile(
            "recipes:\n  r:\n    variants:\n      crop: {format: png, operations: [{crop: {width: 10, height: 10}}]}\n      small: {format: jpeg, operations: [{resize: {width: 100}}]}\n"
        )
        let recipe = try #require(try RecipeCatalog.load(file: path).recipe(named: "r"))
        #expect(recipe.neededScale(orientedWidth: 4000, orientedHeight: 3000) == 1)
        let plan = DerivationPlan(recipe: recipe, orientedWidth: 4000, orientedHeight: 3000)
        #expect(!plan.streamsDecode, "two variants read the decode, so it must be held in memory")
        let result = try RecipeRunner(recipe: recipe).run(try Support.photo(width: 400, height: 300))
        #expect(result.decodeShrink == 1)
        #expect(result.variants.map(\.image.width) == [10, 100])
    }

    @Test func grayscaleRecipeMakesAGrayPNG() throws {
        let result = try run("grayscale", try Support.photo(width: 1000, height: 750))
        let variant = try #require(result.variants.first)
        #expect(variant.image.format == .png && variant.image.width == 800 && variant.image.height == 600)
        let decoded = try ImageSource.open(variant.image.bytes).decode()
        let pixels = try decoded.pixelBytes()
        let equal = stride(from: 0, to: pixels.count, by: 3).allSatisfy { (i: Int) -> Bool in pixels[i] == pixels[i + 1] && pixels[i] == pixels[i + 2]
        }
        #expect(equal)
    }

    @Test func pixelateRecipeMakesTinySquaresAndAMosaic() throws {
        let result = try run("pixelate", try Support.photo(width: 2000, height: 1500))
        let sizes = result.variants.map { "\($0.name) \($0.image.width)x\($0.image.height)" }
        #expect(sizes == ["pixel-8 8x8", "pixel-16 16x16", "pixel-32 32x32", "pixel-48 48x48", "pixel-64 64x64", "mosaic 1600x1200"])
        let mosaic = try ImageSource.open(try #require(result.variants.last).image.bytes).decode()
        // JPEG blurs block edges slightly; the centre of a 32 px block is flat.
        let centre = try mosaic.pixel(x: 48, y: 48)
        #expect(Fixtures.close(try mosaic.pixel(x: 40, y: 40), centre, tolerance: 6))
        #expect(Fixtures.close(try mosaic.pixel(x: 56, y: 56), centre, tolerance: 6))
    }

    @Test func watermarkRecipeChangesTheCorner() throws {
        let result = try run("watermark", try Support.photo(width: 2000, height: 1500))
        let variant = try #require(result.variants.first)
        #expect(variant.image.width == 1600 && variant.image.height == 1200)
    }

    @Test func everyOperationRunsThroughARecipe() throws {
        let path = try Support.recipeFile(
            """
            recipes:
              all:
                variants:
                  a:
                    format: webp
                    operations:
                      - resize: {width: 300, height: 200, fit: cover, gravity: smart}
                      - crop: {width: 200, height: 100, gravity: north}
                      - blur: {sigma: 1}
                      - sharpen: {sigma: 1}
                      - rotate: {degrees: 90}
                      - flip: {direction: horizontal}
                      - pixelate: {block: 4}
                      - watermark: {text: "x", size: 12}
                      - watermark: {image: logo.png, scale: 0.5, opacity: 0.7}
                  b:
                    format: avif
                    speed: 9
                    operations: [{resize: {width: 64, height: 64, fit: fill}}, grayscale]
            """)
        let logo = (path as NSString).deletingLastPathComponent + "/logo.png"
        try Data(try Support.photo(width: 40, height: 40)).write(to: URL(fileURLWithPath: logo))
        let recipe = try #require(try RecipeCatalog.load(file: path).recipe(named: "all"))
        let result = try RecipeRunner(recipe: recipe).run(try Support.photo(width: 600, height: 400))
        #expect(result.variants.map { "\($0.image.width)x\($0.image.height)" } == ["100x200", "64x64"])
        #expect(result.variants.map(\.image.format) == [.webp, .avif])
    }

    @Test func aCropLargerThanTheImageFailsClearly() throws {
        let path = try Support.recipeFile(
            "recipes:\n  r:\n    variants:\n      v: {format: png, operations: [{crop: {left: 0, top: 0, width: 5000, height: 10}}]}\n")
        let recipe = try #require(try RecipeCatalog.load(file: path).recipe(named: "r"))
        let error = try #require(throws: ImagingError.self) { try RecipeRunner(recipe: recipe).run(try Support.photo(width: 100, height: 100)) }
        #expect(error.message.contains("does not fit inside the 100×100 image"))
    }
}

/// Pixel comparison shared with the Imaging tests.
enum Fixtures {
    static func close(_ a: [UInt8], _ b: [UInt8], tolerance: Int) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs(Int($0) - Int($1)) <= tolerance }
    }
}

@Suite struct AnimatedRecipeTests {
    func animatedGIF() throws -> [UInt8] {
        let frames = try [[255, 0, 0], [0, 255, 0], [0, 0, 255]].map { colour -> Image in
            try Image(pixels: Array([[UInt8]](repeating: colour, count: 200 * 100).joined()), width: 200, height: 100, bands: 3)
        }
        return try Animation(frames: frames, delays: [100, 100, 100], loop: 0).joined().encoded(EncodeOptions(format: .gif)).bytes
    }

    func recipe(_ animation: String) throws -> Recipe {
        let path = try Support.recipeFile(
            """
            recipes:
              a:
                animation: \(animation)
                variants:
                  moving: {format: webp, operations: [{resize: {width: 100}}, {crop: {width: 50, height: 50, gravity: west}}]}
                  gif: {format: gif, operations: [{resize: {width: 60}}]}
                  poster: {format: jpeg, operations: [{resize: {width: 100}}]}
            """)
        return try #require(try RecipeCatalog.load(file: path).recipe(named: "a"))
    }

    @Test func keepAppliesEveryOperationToEveryFrame() throws {
        let result = try RecipeRunner(recipe: try recipe("keep")).run(try animatedGIF())
        let headers = try result.variants.map { try ImageSource.open($0.image.bytes).header }
        #expect(headers.map(\.frames) == [3, 3, 1])
        #expect(headers.map { "\($0.width)x\($0.height)" } == ["50x50", "60x30", "100x50"])
        let frames = try #require(try ImageSource.open(result.variants[0].image.bytes).decodeAnimation()).frames
        let colours = try frames.map { Array(try $0.pixel(x: 25, y: 25).prefix(3)) }
        #expect(Fixtures.close(colours[0], [255, 0, 0], tolerance: 20) && Fixtures.close(colours[2], [0, 0, 255], tolerance: 20))
    }

    @Test func firstIsTheDefaultAndMakesStills() throws {
        let result = try RecipeRunner(recipe: try recipe("first")).run(try animatedGIF())
        #expect(try result.variants.map { try ImageSource.open($0.image.bytes).header.frames } == [1, 1, 1])
    }

    @Test func anUnknownAnimationModeIsAnError() throws {
        let error = try Support.loadError("recipes:\n  r:\n    animation: all\n    variants:\n      v: {format: gif}\n")
        #expect(error.recipe == "r" && error.field == "animation" && error.message.contains("not one of: first, keep"))
    }
}

@Suite struct PlaceholderRecipeTests {
    @Test func everyRecipeMakesAPlaceholderFromItsDecodeUnlessItSaysNot() throws {
        let photo = try Support.photo(width: 1200, height: 800)
        for recipe in RecipeCatalog.builtIn.names.compactMap(RecipeCatalog.builtIn.recipe(named:)) where !recipe.needsFaces {
            let result = try RecipeRunner(recipe: recipe).run(photo)
            let placeholder = try #require(result.placeholder, "\(recipe.name)")
            #expect(placeholder.blurhash.count == 28 && placeholder.preview != nil, "\(recipe.name)")
        }
        let path = try Support.recipeFile(
            """
            recipes:
              bare:
                placeholders: false
                variants:
                  small: {format: png, operations: [{resize: {width: 50, height: 50}}]}
              tuned:
                placeholders: {blurhash: {x: 9, y: 2}, preview: 0}
                variants:
                  small: {format: png, operations: [{resize: {width: 50, height: 50}}]}
              one-streamed:
                variants:
                  small: {format: jpeg, operations: [{resize: {width: 300, height: 300}}]}
            """)
        let catalog = try RecipeCatalog.load(file: path)
        func run(_ name: String) throws -> Placeholder? {
            let recipe = try #require(catalog.recipe(named: name))
            return try RecipeRunner(recipe: recipe).run(photo).placeholder
        }
        #expect(try run("bare") == nil)
        let tuned = try #require(try run("tuned"))
        #expect(tuned.blurhash.count == 6 + 2 * 17 && tuned.preview == nil)
        // A lone variant that would stream its decode keeps a whole frame for the placeholder.
        #expect(try run("one-streamed") != nil)
    }

    @Test func anAnimationKeptFrameByFrameHasAPlaceholderAndItsFramesInItsFacts() throws {
        let frames = try [[200, 0, 0], [0, 200, 0]].map { colour in
            try Image(pixels: Array([[UInt8]](repeating: colour.map(UInt8.init), count: 40 * 30).joined()), width: 40, height: 30, bands: 3)
        }
        let gif = try Animation(frames: frames, delays: [70, 90], loop: 0).joined().encoded(EncodeOptions(format: .gif)).bytes
        let path = try Support.recipeFile(
            """
            recipes:
              stickers:
                animation: keep
                variants:
                  small: {format: webp, operations: [{resize: {width: 20}}]}
            """)
        let recipe = try #require(try RecipeCatalog.load(file: path).recipe(named: "stickers"))
        let result = try RecipeRunner(recipe: recipe).run(gif)
        #expect(result.placeholder?.blurhash.count == 28, "from the first frame")
        #expect(result.facts?.frames == 2 && result.facts?.delays == [70, 90] && result.facts?.format == "gif")
    }

    @Test func badPlaceholderSettingsNameTheFieldAndTheRange() throws {
        for (setting, words) in [
            ("{blurhash: {x: 10}}", "blurhash x must be 1 to 9"), ("{blurhash: {y: 0}}", "blurhash y must be 1 to 9"),
            ("{preview: 100}", "0 to 64 pixels"), ("{colour: red}", "unknown field 'colour'"), ("{blurhash: {z: 1}}", "unknown field 'z'"),
            ("maybe", "placeholders"),
        ] {
            let error = try Support.loadError(
                """
                recipes:
                  r:
                    placeholders: \(setting)
                    variants:
                      v: {format: png}
                """)
            #expect(error.description.contains(words) && error.description.contains("placeholders"), "\(setting): \(error.description)")
        }
    }

    @Test func aRedactingRecipeHidesItsRegionsInThePlaceholder() throws {
        let photo = try Support.photo(width: 800, height: 600)
        let privacy = try #require(RecipeCatalog.builtIn.recipe(named: "privacy"))
        let face = Region(x: 0.3, y: 0.3, width: 0.4, height: 0.4, kind: .face, score: 0.9)
        let known = ImageRegions(regions: [face], facesDetected: true, reviewed: false)
        let standard = try #require(RecipeCatalog.builtIn.recipe(named: "default"))
        let hidden = try #require(try RecipeRunner(recipe: privacy).run(photo, regions: known).placeholder)
        let plain = try #require(try RecipeRunner(recipe: standard).run(photo).placeholder)
        #expect(hidden.blurhash != plain.blurhash, "the face's area is filled before hashing")
    }
}
