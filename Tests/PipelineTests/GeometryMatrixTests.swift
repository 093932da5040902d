import Foundation
import Imaging
import ImagingFixtures
import Testing

@testable import Pipeline

/// Extreme geometry never reaches libvips as a zero size: sources from 1×1 to the thinnest
/// strips the pixel limit allows, in every input format, EXIF-rotated, through every built-in
/// recipe and through a recipe that runs every operation with every fit and gravity. Each
/// variant completes with the size the README promises, or fails with a clear message. An
/// abort would end this test process, so reaching the end is itself the proof.
@Suite struct GeometryMatrixTests {
    /// A small pixel limit, so the strips reach it without slowing the suite: 1×200000 is legal.
    static let limits = Limits(maxPixels: 200_000)

    struct Source: CustomStringConvertible, Sendable {
        var width: Int
        var height: Int
        var format: OutputFormat
        /// EXIF orientation written into a JPEG; 1 for none.
        var orientation = 1

        var description: String { "\(width)×\(height) \(format.rawValue)\(orientation == 1 ? "" : " orientation \(orientation)")" }
        /// The size as displayed, after the EXIF rotation.
        var upright: (width: Int, height: Int) { orientation >= 5 ? (height, width) : (width, height) }

        func bytes() throws -> [UInt8] {
            let pixels = [UInt8](repeating: 90, count: width * height * 3)
            let image = try Image(pixels: pixels, width: width, height: height, bands: 3)
            let encoded = try image.encoded(EncodeOptions(format: format)).bytes
            guard orientation != 1 else { return encoded }
            return JPEGSegments.inserting(JPEGSegments.exif(orientation: orientation), into: encoded)
        }
    }

    /// The largest side each encoder can write.
    static func maxSide(_ format: OutputFormat) -> Int {
        switch format {
        case .jpeg: 65_500
        case .webp: 16_383
        case .gif: 65_535
        default: Int.max
        }
    }

    /// 1×1, then 1×N, 2×N, 3×N and their transposes, for N from 2 to the pixel limit.
    static let sources: [Source] = {
        var sources: [Source] = []
        for format in [OutputFormat.jpeg, .png, .webp, .gif] {
            sources.append(Source(width: 1, height: 1, format: format))
            for thin in 1...3 {
                let longest = min(maxSide(format), limits.maxPixels / thin)
                for long in Set([2, 3, 17, 1000, 16_383, longest]) where long <= longest {
                    sources.append(Source(width: thin, height: long, format: format))
                    sources.append(Source(width: long, height: thin, format: format))
                }
            }
        }
        // EXIF rotations swap the sides the decoder sees and the sides the variants get.
        for (width, height) in [(1, 4000), (4000, 1), (3, 65_500), (65_500, 2), (1, 1)] {
            for orientation in [6, 8, 3] { sources.append(Source(width: width, height: height, format: .jpeg, orientation: orientation)) }
        }
        return sources
    }()

    static let gravities = ["centre", "north", "south", "east", "west", "north-east", "north-west", "south-east", "south-west", "smart"]

    /// Every operation, every fit with every gravity, small and large boxes, upscaling.
    static let operationsRecipe: String = {
        var variants: [String] = []
        func add(_ operations: [String], format: String = "png") {
            variants.append(
                "      v\(variants.count):\n        format: \(format)\n        operations:\n" + operations.map { "          - \($0)\n" }.joined())
        }
        for fit in ["inside", "cover", "fill"] {
            for gravity in gravities {
                add(["resize: {width: 300, height: 200, fit: \(fit), gravity: \(gravity)}"])
                add(["resize: {width: 7, height: 3, fit: \(fit), gravity: \(gravity), upscale: true}"])
            }
        }
        add(["resize: {width: 50}"])
        add(["resize: {height: 50}"])
        add(["resize: {width: 40, height: 40, upscale: true}"])
        for gravity in gravities {
            add(["crop: {width: 100, height: 100, gravity: \(gravity)}"])
            if gravity != "smart" { add(["watermark: {text: Darkroom, size: 48, position: \(gravity)}"]) }
        }
        add(["crop: {left: 0, top: 0, width: 1, height: 1}"])
        add(["pixelate: {block: 32}"])
        add(["pixelate: {block: 2}"])
        for size in [1, 8, 64] { add(["pixelate: {size: \(size)}"]) }
        add(["blur: {sigma: 5}"])
        add(["sharpen: {sigma: 2}"])
        add(["grayscale"])
        for degrees in [90, 180, 270] { add(["rotate: {degrees: \(degrees)}"]) }
        add(["flip: {direction: horizontal}"])
        add(["flip: {direction: vertical}"])
        add(["resize: {width: 150, height: 150}", "grayscale", "pixelate: {block: 8}", "blur: {sigma: 1}", "sharpen: {sigma: 1}"], format: "jpeg")
        for format in ["webp", "gif", "jpeg"] { add(["resize: {width: 150, height: 150}"], format: format) }
        return "recipes:\n  operations:\n    variants:\n" + variants.joined()
    }()

    @Test(arguments: ["default", "grayscale", "watermark", "pixelate"])
    func builtInRecipesGiveThePromisedSizesForEveryGeometry(recipe name: String) throws {
        let runner = try RecipeRunner(recipe: try #require(RecipeCatalog.builtIn.recipe(named: name)), limits: Self.limits)
        for source in Self.sources {
            let result = try runner.run(try source.bytes())
            let (w, h) = source.upright
            #expect((result.source.orientedWidth, result.source.orientedHeight) == (w, h), "\(source)")
            for variant in result.variants {
                let size = (variant.image.width, variant.image.height)
                if let side = Int(variant.name.dropFirst("pixel-".count)), variant.name.hasPrefix("pixel-") {
                    #expect(size == (side, side), "\(name)/\(variant.name) of \(source)")
                    continue
                }
                let box = ["thumbnail": 150, "medium": 800, "grayscale": 800][variant.name] ?? 1600
                let expected = Self.inside(box: box, width: w, height: h)
                #expect(size == expected, "\(name)/\(variant.name) of \(source): \(size), expected \(expected)")
            }
        }
    }

    @Test(arguments: [OutputFormat.jpeg, .png, .webp, .gif])
    func everyOperationFitAndGravityCompletes(format: OutputFormat) throws {
        let catalog = try RecipeCatalog.load(file: try Support.recipeFile(Self.operationsRecipe))
        let runner = try RecipeRunner(recipe: try #require(catalog.recipe(named: "operations")), limits: Self.limits)
        for source in Self.sources where source.format == format {
            let result: RecipeResult
            do {
                result = try runner.run(try source.bytes())
            } catch let error as ImagingError {
                Issue.record("\(source): \(error.message) \(error.detail)")
                continue
            }
            for variant in result.variants {
                let image = variant.image
                #expect(image.width >= 1 && image.height >= 1, "\(variant.name) of \(source)")
                let header = try ImageSource.open(image.bytes, limits: .default).header
                #expect((header.width, header.height) == (image.width, image.height), "\(variant.name) of \(source)")
            }
        }
    }

    @Test func anUpscaleBeyondTheOutputLimitsFailsClearly() throws {
        let yaml =
            "recipes:\n  big:\n    variants:\n      wide:\n        format: png\n        operations:\n          - resize: {width: 5000, upscale: true}\n"
        let catalog = try RecipeCatalog.load(file: try Support.recipeFile(yaml))
        let runner = try RecipeRunner(recipe: try #require(catalog.recipe(named: "big")), limits: Self.limits)
        let error = try #require(throws: ImagingError.self) { try runner.run(try Source(width: 2, height: 60_000, format: .png).bytes()) }
        #expect(error.isClientError)
        #expect(
            error.message
                == "the resized image would be 5000×150000000 pixels; a resize may make at most 65535 pixels on a side and 100000000 pixels in all")
    }

    /// Fit-inside without upscaling, as `Resize` rounds it, never below 1 px.
    static func inside(box: Int, width: Int, height: Int) -> (Int, Int) {
        let scale = min(1, min(Double(box) / Double(width), Double(box) / Double(height)))
        return (max(1, Int((Double(width) * scale).rounded())), max(1, Int((Double(height) * scale).rounded())))
    }
}
