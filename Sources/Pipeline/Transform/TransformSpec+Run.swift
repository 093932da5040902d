import Imaging

extension TransformSpec {
    /// Renders this transformation of `bytes`: probe under the limits, then the one variant it
    /// is, through the same runner as a recipe (shrink-on-load, streamed decode). Blocks in
    /// libvips: call it from a blocking pool thread or a render child.
    public func run(_ bytes: [UInt8], limits: Limits) throws -> RecipeResult {
        let header = try ImageSource.open(bytes, limits: limits).header
        let recipe = Recipe(name: "transform", variants: [variant(source: header)])
        return try RecipeRunner(recipe: recipe, limits: limits).run(bytes)
    }
}
