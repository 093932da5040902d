import Imaging
import Testing

@testable import Pipeline

/// Damaged files of every accepted format: each must process or fail with a client error, and
/// nothing may crash. The mutations are seeded, so a failure reproduces.
@Suite struct MutationTests {
    static let formats: [OutputFormat] = [.jpeg, .png, .webp, .gif, .avif]

    /// `default` streams its decode into a kept stage; `grayscale` (one variant) streams it
    /// straight into its encoder. Damage must surface as a client error either way.
    @Test(arguments: formats, ["default", "grayscale"])
    func damagedFilesNeverCrashOrHang(format: OutputFormat, recipe: String) throws {
        let runner = try RecipeRunner(recipe: try #require(RecipeCatalog.builtIn.recipe(named: recipe)))
        let original = try Support.photo(width: 120, height: 90)
        let image = try ImageSource.open(original).decode()
        let encoded = try image.encoded(EncodeOptions(format: format, speed: 9)).bytes
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(encoded.count)
        func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(max(bound, 1)))
        }
        var outcomes = (processed: 0, refused: 0)
        for round in 0..<120 {
            var bytes = encoded
            switch round % 3 {
            case 0: bytes = Array(bytes.prefix(random(bytes.count)))
            case 1: for _ in 0..<(1 + random(6)) { bytes[random(bytes.count)] ^= UInt8(1 << random(8)) }
            default: for _ in 0..<(1 + random(30)) { bytes[random(bytes.count)] = UInt8(random(256)) }
            }
            do {
                let result = try runner.run(bytes)
                #expect(result.variants.count == runner.recipe.variants.count)
                // What was published from damaged bytes is itself a whole image.
                for variant in result.variants { _ = try ImageSource.open(variant.image.bytes).decode() }
                outcomes.processed += 1
            } catch let error as ImagingError {
                #expect(error.isClientError, "round \(round): \(error.description) \(error.detail)")
                #expect(!error.message.isEmpty)
                outcomes.refused += 1
            }
        }
        // Each round either processed or was refused (anything else has already failed the
        // test); what must also hold is that the damage reached the decoder at all.
        #expect(outcomes.refused > 0, "no damaged \(format) file was refused: the mutations never reached the decoder")
    }
}
