import Foundation
import Imaging
import Testing

@testable import Pipeline

/// Helpers for the Pipeline tests: temporary recipe files and generated photos.
enum Support {
    /// Writes `yaml` to a new temporary directory and returns the file's path.
    static func recipeFile(_ yaml: String, name: String = "recipes.yaml") throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The error a recipe file produces when loaded.
    static func loadError(_ yaml: String) throws -> RecipeError {
        let path = try recipeFile(yaml)
        return try #require(throws: RecipeError.self) { try RecipeCatalog.load(file: path) }
    }

    /// A JPEG "photo" of the given size: smooth gradients plus noise.
    static func photo(width: Int, height: Int) throws -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var state: UInt32 = 7
        for y in 0..<height {
            for x in 0..<width {
                state = state &* 1_664_525 &+ 1_013_904_223
                let grain = Int(state >> 28)
                let i = (y * width + x) * 3
                pixels[i] = UInt8(min(255, x * 255 / width + grain))
                pixels[i + 1] = UInt8(min(255, y * 255 / height + grain))
                pixels[i + 2] = UInt8(min(255, 128 + grain))
            }
        }
        let image = try Image(pixels: pixels, width: width, height: height, bands: 3)
        return try image.encoded(EncodeOptions(format: .jpeg, quality: 90)).bytes
    }
}
