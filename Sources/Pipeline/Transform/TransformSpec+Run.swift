import Imaging

extension TransformSpec {
    /// Renders this transformation of `bytes`: probe under the limits, then the one variant it
    /// is (or the recipe variant it names, from `catalog`), through the same runner as a recipe
    /// (shrink-on-load, streamed decode). Blocks in libvips: call it from a blocking pool
    /// thread or a render child.
    public func run(
        _ bytes: [UInt8], limits: Limits, catalog: RecipeCatalog, regions: ImageRegions = .none, detector: (any FaceDetector)? = nil
    ) throws -> RecipeResult {
        if let named = variantOf {
            guard var recipe = catalog.recipe(named: named.recipe), let variant = recipe.variants.first(where: { $0.name == named.variant }) else {
                throw RenderError.unknownRecipe("\(named.recipe)/\(named.variant)")
            }
            recipe.variants = [variant]
            return try RecipeRunner(recipe: recipe, limits: limits).run(bytes, regions: regions, detector: detector)
        }
        // One probe: its header picks the variant, and the runner decodes from it.
        let started = ContinuousClock.now
        let source = try ImageSource.open(bytes, limits: limits)
        let recipe = Recipe(name: "transform", variants: [variant(source: source.header)], placeholders: placeholders)
        return try RecipeRunner(recipe: recipe, limits: limits).run(source, started: started, regions: regions, detector: detector)
    }
}
