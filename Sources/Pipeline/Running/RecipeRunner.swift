import Foundation
import Imaging

/// One variant of one source, encoded.
public struct RenderedVariant: Sendable {
    public var name: String
    public var image: EncodedImage
    /// Time spent deriving and encoding this variant.
    public var milliseconds: Double

    public init(name: String, image: EncodedImage, milliseconds: Double) {
        self.name = name
        self.image = image
        self.milliseconds = milliseconds
    }
}

/// The outcome of running a recipe on one source.
public struct RecipeResult: Sendable {
    public var source: ImageHeader
    /// The shrink-on-load factor the decode used (1, 2, 4 or 8).
    public var decodeShrink: Int
    /// Time spent probing and decoding the source once. A streamed decode is counted in the
    /// first variant's time instead.
    public var decodeMilliseconds: Double
    public var variants: [RenderedVariant]
    /// The regions the variants were redacted with: those handed in, plus the faces found when
    /// the recipe needed them and they were not known. Store them: the next run need not detect.
    public var regions: ImageRegions
    /// The image's placeholder, made from the same decode; nil when the recipe turns them off.
    public var placeholder: Placeholder?
    /// What the source is (header, colour, EXIF), read without decoding its pixels; nil when its
    /// metadata could not be read (which never fails the render).
    public var facts: ImageFacts?

    public init(
        source: ImageHeader, decodeShrink: Int, decodeMilliseconds: Double, variants: [RenderedVariant], regions: ImageRegions = .none,
        placeholder: Placeholder? = nil, facts: ImageFacts? = nil
    ) {
        self.facts = facts
        self.source = source
        self.decodeShrink = decodeShrink
        self.decodeMilliseconds = decodeMilliseconds
        self.variants = variants
        self.regions = regions
        self.placeholder = placeholder
    }
}

/// Runs a recipe on encoded bytes: probe under the limits, decode once (shrunk on load to what
/// the largest variant needs), derive every variant from that one decode (smaller ones from
/// larger ones, see `DerivationPlan`), encode each.
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

    /// Runs the recipe. `regions` are what is known of the image's regions; when the recipe
    /// needs faces and they are not known, `detector` finds them on the decode (and without a
    /// detector, redacting variants fail: they are never made unredacted).
    public func run(_ bytes: some Collection<UInt8>, regions: ImageRegions = .none, detector: (any FaceDetector)? = nil) throws -> RecipeResult {
        let started = ContinuousClock.now
        return try run(try ImageSource.open(bytes, limits: limits), started: started, regions: regions, detector: detector)
    }

    /// Runs on a source already opened under this runner's limits; `started` is when its
    /// probe began, for the decode time.
    public func run(
        _ source: ImageSource, started: ContinuousClock.Instant, regions known: ImageRegions = .none, detector: (any FaceDetector)? = nil
    ) throws -> RecipeResult {
        var result = try render(source, started: started, regions: known, detector: detector)
        result.facts = try? source.facts()
        return result
    }

    private func render(
        _ source: ImageSource, started: ContinuousClock.Instant, regions known: ImageRegions, detector: (any FaceDetector)?
    ) throws -> RecipeResult {
        let clock = ContinuousClock()
        let header = source.header
        let resolver = RegionResolver(detector: detector)
        if recipe.animation == .keep, let animation = try source.decodeAnimation() {
            let regions = try resolver.resolve(known, for: recipe, decoded: animation.frames[0])
            return try run(animation, header: header, started: started, regions: regions)
        }
        let scale = recipe.neededScale(orientedWidth: header.orientedWidth, orientedHeight: header.orientedHeight)
        let shrink = source.shrinkFactor(forScale: scale)
        let (width, height) = (header.orientedWidth, header.orientedHeight)
        let plan = DerivationPlan(recipe: recipe, orientedWidth: width, orientedHeight: height, keepsAWholeFrame: recipe.placeholders != nil)
        let decoded = try source.decode(shrink: shrink, streamed: plan.streamsDecode)
        let decodeMilliseconds = (clock.now - started).milliseconds
        let regions = try resolver.resolve(known, for: recipe, decoded: decoded)

        // A streamed decode can be read once, by the first variant; it never joins the stages.
        var streamed: Image? = plan.streamsDecode ? decoded : nil
        var stages = plan.streamsDecode ? [] : [Stage(image: decoded, scale: Double(decoded.width) / Double(width))]
        var rendered: [RenderedVariant?] = Array(repeating: nil, count: recipe.variants.count)
        for index in plan.order {
            let variantStarted = clock.now
            let variant = recipe.variants[index]
            let readsStream = streamed != nil
            guard let source = streamed ?? stages.smallest(covering: plan.neededScales[index]) else {
                throw ImagingError.processingFailed("planning", detail: "no decoded source covers variant \(variant.name)")
            }
            streamed = nil
            do {
                var image = source
                var operations = variant.operations[...]
                if plan.keepsStage.contains(index), case .resize(let request)? = operations.first {
                    image = try image.resized(request).materialized()
                    stages.append(Stage(image: image, scale: Double(image.width) / Double(width)))
                    operations = operations.dropFirst()
                }
                if variant.usesRegions {
                    // The image is still the whole upright frame here, so the regions fit it.
                    let outScale = min(1, max(plan.neededScales[index], 1e-6))
                    image = try image.redacted(for: variant, regions: regions, scale: Double(image.width) / Double(width) / outScale)
                }
                var wholeFrame = true
                for operation in operations {
                    let step = operation.resolvingFaces(regions.faces, wholeFrame: wholeFrame)
                    image = try step.apply(to: image, watermarks: watermarks)
                    if step.changesFrame { wholeFrame = false }
                }
                let encoded = try image.encoded(variant.output)
                rendered[index] = RenderedVariant(name: variant.name, image: encoded, milliseconds: (clock.now - variantStarted).milliseconds)
            } catch let error as ImagingError where readsStream && (!error.isClientError || error.kind == .corrupt) {
                // The streamed decode is first pulled here, so damaged source data surfaces here.
                throw ImagingError.corrupt(header.format, "its image data is damaged or cut short", detail: error.detail)
            }
        }
        // The smallest whole frame left covers a placeholder (the decode itself when nothing
        // smaller was kept; the plan keeps one whenever placeholders are on).
        let frame = stages.smallest(covering: Double(ThumbHash.maxSide) / Double(max(width, height))) ?? stages.max { $0.scale < $1.scale }?.image
        let placeholder = frame.flatMap { try? self.placeholder(of: $0, regions: regions) }
        return RecipeResult(
            source: header, decodeShrink: shrink, decodeMilliseconds: decodeMilliseconds, variants: rendered.compactMap { $0 },
            regions: recipe.usesRegions ? regions : known, placeholder: placeholder)
    }

    /// The placeholder of a whole upright frame, with every region a variant of the recipe
    /// hides hidden in it too; nil when the recipe turns placeholders off. Callers drop a
    /// failure: a placeholder is never worth failing an image's variants for, and a failed one
    /// is absent, never made without the hiding.
    func placeholder(of frame: Image, regions: ImageRegions) throws -> Placeholder? {
        guard let options = recipe.placeholders else { return nil }
        let hidden = recipe.variants.flatMap { variant in variant.redactions.flatMap { $0.selecting(regions.regions) } }
        return try frame.placeholder(options, hiding: hidden)
    }
}

extension RecipeRunner {
    /// Every variant from the decoded frames: each operation is applied frame by frame, so
    /// crops and resizes never blend one frame into the next. Formats that cannot animate get
    /// the first frame.
    func run(_ animation: Animation, header: ImageHeader, started: ContinuousClock.Instant, regions: ImageRegions) throws -> RecipeResult {
        let clock = ContinuousClock()
        let decodeMilliseconds = (clock.now - started).milliseconds
        var rendered: [RenderedVariant] = []
        for variant in recipe.variants {
            let variantStarted = clock.now
            let frames = variant.output.format.supportsAnimation ? animation.frames : Array(animation.frames.prefix(1))
            let processed = try frames.map { frame in
                var image = variant.usesRegions ? try frame.redacted(for: variant, regions: regions, scale: 1) : frame
                var wholeFrame = true
                for operation in variant.operations {
                    let step = operation.resolvingFaces(regions.faces, wholeFrame: wholeFrame)
                    image = try step.apply(to: image, watermarks: watermarks)
                    if step.changesFrame { wholeFrame = false }
                }
                return image
            }
            let image = processed.count > 1 ? try Animation(frames: processed, delays: animation.delays, loop: animation.loop).joined() : processed[0]
            let encoded = try image.encoded(variant.output)
            rendered.append(RenderedVariant(name: variant.name, image: encoded, milliseconds: (clock.now - variantStarted).milliseconds))
        }
        return RecipeResult(
            source: header, decodeShrink: 1, decodeMilliseconds: decodeMilliseconds, variants: rendered, regions: regions,
            placeholder: try? placeholder(of: animation.frames[0], regions: regions))
    }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
