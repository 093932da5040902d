import Foundation
import Imaging

/// One variant of one source, encoded.
public struct RenderedVariant: Sendable {
    public var name: String
    public var image: EncodedImage
}

/// The outcome of running a recipe on one source.
public struct RecipeResult: Sendable {
    public var source: ImageHeader
    /// The shrink-on-load factor the decode used (1, 2, 4 or 8).
    public var decodeShrink: Int
    public var variants: [RenderedVariant]
}

/// Runs a recipe on encoded bytes: probe under the limits, decode once (shrunk on load to what
/// the largest variant needs), derive every variant from that one decode, encode each.
///
/// Everything here blocks in libvips: call `run` from a `BlockingPool` thread.
public struct RecipeRunner: Sendable {
    public let recipe: Recipe
    public let limits: Limits
    /// Watermark logos, decoded once when the runner is made.
    private let watermarks: [String: Image]

    public init(recipe: Recipe, limits: Limits = .default) throws {
        self.recipe = recipe
        self.limits = limits
        var logos: [String: Image] = [:]
        for case .imageWatermark(let path, _, _) in recipe.variants.flatMap(\.operations) where logos[path] == nil {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ImagingError.invalidArgument("the watermark image \(path) cannot be read")
            }
            logos[path] = try ImageSource.open(data, limits: limits).decode()
        }
        watermarks = logos
    }

    public func run(_ bytes: some Collection<UInt8>) throws -> RecipeResult {
        let source = try ImageSource.open(bytes, limits: limits)
        let header = source.header
        let scale = recipe.neededScale(orientedWidth: header.orientedWidth, orientedHeight: header.orientedHeight)
        let shrink = source.shrinkFactor(forScale: scale)
        let decoded = try source.decode(shrink: shrink)
        var rendered: [RenderedVariant] = []
        for variant in recipe.variants {
            var image = decoded
            for operation in variant.operations {
                image = try operation.apply(to: image, watermarks: watermarks)
            }
            rendered.append(RenderedVariant(name: variant.name, image: try image.encoded(variant.output)))
        }
        return RecipeResult(source: header, decodeShrink: shrink, variants: rendered)
    }
}
