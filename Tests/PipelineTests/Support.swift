import Foundation
import Imaging
import ImagingFixtures
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
        try TestPhoto.bytes(width: width, height: height, blue: 128, grain: true, as: EncodeOptions(format: .jpeg, quality: 90))
    }
}
