import BlockingWork
import Imaging

/// Runs a recipe on a source's bytes. Where the work happens is the implementation's choice: on
/// a blocking pool in this process (`InProcessRenderer`), or in supervised child processes
/// (`ChildRenderer`), so that a libvips abort costs one image and never the process.
public protocol Renderer: Sendable {
    /// Every variant of the recipe. Throws `ImagingError` when the source or the recipe's
    /// arguments are at fault, and `RenderError` when the recipe is unknown or processing
    /// crashed.
    ///
    /// `regions` are what is known of the image's regions; a recipe that needs faces not yet
    /// known detects them, and the result carries them.
    func render(_ bytes: [UInt8], recipe: String, regions: ImageRegions) async throws -> RecipeResult
    /// One on-the-fly transformation of a source, with the same errors.
    func render(_ bytes: [UInt8], transform: TransformSpec, regions: ImageRegions) async throws -> RecipeResult
}

extension Renderer {
    /// A render of an image nothing is known of yet.
    public func render(_ bytes: [UInt8], recipe: String) async throws -> RecipeResult {
        try await render(bytes, recipe: recipe, regions: .none)
    }

    public func render(_ bytes: [UInt8], transform: TransformSpec) async throws -> RecipeResult {
        try await render(bytes, transform: transform, regions: .none)
    }
}

/// A render that failed outside the imaging layer's own errors.
public struct RenderError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case unknownRecipe = "unknown_recipe"
        case crashed
        case unavailable
    }

    private let code: Code
    /// What the image's record and the client show.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { code.rawValue }

    /// True when trying again cannot help: the image is FAILED at once.
    public var isPermanent: Bool { code != .unavailable }

    public static func unknownRecipe(_ name: String) -> RenderError {
        RenderError(.unknownRecipe, "The recipe '\(name)' no longer exists.")
    }

    /// Processing killed the process that ran it, as many times as the supervisor allows.
    public static func crashed(_ message: String) -> RenderError { RenderError(.crashed, message) }

    /// No process could be started to do the work: retry later.
    public static func unavailable(_ message: String) -> RenderError { RenderError(.unavailable, message) }
}

/// Renders on a blocking pool in this process. A libvips abort takes the process with it: use
/// `ChildRenderer` where that matters (the service and `darkroom process` do).
public struct InProcessRenderer: Renderer {
    private let runners: [String: RecipeRunner]
    private let pool: BlockingPool
    private let limits: Limits
    private let catalog: RecipeCatalog
    private let detector: (any FaceDetector)?

    public init(catalog: RecipeCatalog, limits: Limits, pool: BlockingPool, detector: (any FaceDetector)? = nil) throws {
        self.runners = try catalog.runners(limits: limits)
        self.pool = pool
        self.limits = limits
        self.catalog = catalog
        self.detector = detector
    }

    public func render(_ bytes: [UInt8], transform: TransformSpec, regions: ImageRegions) async throws -> RecipeResult {
        let (limits, catalog, detector) = (self.limits, self.catalog, self.detector)
        return try await pool.run { try transform.run(bytes, limits: limits, catalog: catalog, regions: regions, detector: detector) }
    }

    public func render(_ bytes: [UInt8], recipe: String, regions: ImageRegions) async throws -> RecipeResult {
        guard let runner = runners[recipe] else { throw RenderError.unknownRecipe(recipe) }
        let detector = self.detector
        return try await pool.run { try runner.run(bytes, regions: regions, detector: detector) }
    }
}

extension RecipeCatalog {
    /// A runner for every recipe, watermark logos decoded once.
    public func runners(limits: Limits) throws -> [String: RecipeRunner] {
        var runners: [String: RecipeRunner] = [:]
        for name in names {
            if let recipe = recipe(named: name) { runners[name] = try RecipeRunner(recipe: recipe, limits: limits) }
        }
        return runners
    }
}
