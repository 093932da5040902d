import Imaging
import Testing

@testable import Pipeline

/// Every kind of recipe mistake is refused with the file, the recipe, the variant and the field.
@Suite struct RecipeValidationTests {
    /// A recipe `r` with one variant `v` whose body is `body` (indented YAML lines).
    func variant(_ body: String) -> String {
        "recipes:\n  r:\n    variants:\n      v:\n" + body.split(separator: "\n").map { "        " + $0 }.joined(separator: "\n") + "\n"
    }

    func expectError(_ yaml: String, field: String?, containing text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let error = try Support.loadError(yaml)
        #expect(error.file.hasSuffix("recipes.yaml"), sourceLocation: sourceLocation)
        #expect(error.recipe == "r", sourceLocation: sourceLocation)
        #expect(error.variant == "v", sourceLocation: sourceLocation)
        #expect(error.field == field, "field was \(error.field ?? "nil")", sourceLocation: sourceLocation)
        #expect(error.message.contains(text), "message was: \(error.message)", sourceLocation: sourceLocation)
        #expect(error.description.contains("recipe 'r', variant 'v'"), sourceLocation: sourceLocation)
    }

    @Test func unknownOperation() throws {
        try expectError(
            variant("format: jpeg\noperations:\n  - resise: {width: 10}"), field: "operations[0]", containing: "unknown operation 'resise'")
    }

    @Test func operationWithTwoNames() throws {
        try expectError(
            variant("format: jpeg\noperations:\n  - {blur: {sigma: 1}, sharpen: {sigma: 1}}"), field: "operations[0]", containing: "exactly one name")
    }

    @Test func parameterOfTheWrongType() throws {
        try expectError(
            variant("format: jpeg\noperations:\n  - resize: {width: wide}"), field: "operations[0].resize.width", containing: "a whole number")
    }

    @Test func parameterOutOfRange() throws {
        try expectError(
            variant("format: jpeg\noperations:\n  - resize: {width: 0}"), field: "operations[0].resize.width", containing: "between 1 and 65535")
        try expectError(
            variant("format: jpeg\noperations:\n  - blur: {sigma: 500}"), field: "operations[0].blur.sigma", containing: "between 0.3 and 100")
        try expectError(
            variant("format: jpeg\noperations:\n  - rotate: {degrees: 45}"), field: "operations[0].rotate.degrees", containing: "multiple of 90")
    }

    /// A value a recipe accepts is one every image accepts: the parser and the operation share
    /// one rule (sharpen once passed the recipe check up to 100, then failed every image above 10).
    @Test func sharpenIsRefusedWhenTheRecipeLoadsNotWhenImagesRun() throws {
        try expectError(
            variant("format: jpeg\noperations:\n  - sharpen: {sigma: 20}"), field: "operations[0].sharpen.sigma", containing: "between 0.3 and 10")
        try expectError(
            variant("format: jpeg\noperations:\n  - pixelate: {block: 1}"), field: "operations[0].pixelate.block", containing: "between 2 and 4096")
    }

    /// Recipes and URLs share one rule for crops, qualities and a logo's scale (a recipe once took
    /// any crop size where a URL stopped at 65535).
    @Test func cropsQualitiesAndScalesHaveTheURLsBounds() throws {
        try expectError(
            variant("format: jpeg\noperations:\n  - crop: {width: 70000, height: 10}"), field: "operations[0].crop.width",
            containing: "from 1 to 65535")
        try expectError(
            variant("format: jpeg\noperations:\n  - crop: {width: 10, height: 10, left: -1}"), field: "operations[0].crop.left",
            containing: "from 0 to 65535")
        try expectError(variant("format: jpeg\nquality: 0"), field: "quality", containing: "between 1 and 100")
        try expectError(variant("format: webp\nspeed: 12"), field: "speed", containing: "between 0 and 9")
        try expectError(
            variant("format: jpeg\noperations:\n  - watermark: {image: logo.png, scale: 1.5}"), field: "operations[0].watermark.scale",
            containing: "at most 1")
        var spec = TransformSpec()
        spec.crop = .region(left: 0, top: 0, width: 70000, height: 10)
        #expect(throws: ImagingError.self) { try spec.validate() }
        spec.crop = .box(width: 10, height: 10, gravity: .centre, focus: nil)
        try spec.validate()
        spec.quality = 101
        #expect(throws: ImagingError.self) { try spec.validate() }
    }

    @Test func unknownParameter() throws {
        try expectError(
            variant("format: jpeg\noperations:\n  - resize: {widht: 100}"), field: "operations[0].resize.widht", containing: "unknown field 'widht'")
    }

    @Test func badChoice() throws {
        try expectError(
            variant("format: jpeg\noperations:\n  - resize: {width: 9, height: 9, fit: squash}"), field: "operations[0].resize.fit",
            containing: "'squash' is not one of: inside, cover, fill")
        try expectError(variant("format: bmp"), field: "format", containing: "'bmp' is not one of")
        try expectError(
            variant("format: jpeg\noperations:\n  - flip: {direction: diagonal}"), field: "operations[0].flip.direction", containing: "not one of")
    }

    @Test func combinationsThatMakeNoSense() throws {
        try expectError(
            variant("format: jpeg\noperations:\n  - resize: {width: 9, fit: cover}"), field: "operations[0].resize.width",
            containing: "needs both a width and a height")
        try expectError(
            variant("format: jpeg\noperations:\n  - pixelate: {block: 8, size: 8}"), field: "operations[0].pixelate", containing: "exactly one of")
        try expectError(
            variant("format: jpeg\noperations:\n  - watermark: {opacity: 0.5}"), field: "operations[0].watermark",
            containing: "exactly one of 'text' or 'image'")
        try expectError(
            variant("format: jpeg\noperations:\n  - watermark: {text: hi, scale: 0.5}"), field: "operations[0].watermark.scale",
            containing: "image watermarks only")
        try expectError(
            variant("format: jpeg\noperations:\n  - crop: {left: 1, width: 5, height: 5, gravity: north}"), field: "operations[0].crop.gravity",
            containing: "not both")
        try expectError(variant("format: jpeg\noperations:\n  - resize"), field: "operations[0]", containing: "needs parameters")
    }

    @Test func missingRequiredField() throws {
        try expectError(variant("quality: 80"), field: "format", containing: "required field is missing")
        try expectError(
            variant("format: jpeg\noperations:\n  - rotate: {}"), field: "operations[0].rotate.degrees", containing: "required field is missing")
    }

    @Test func outputSettingsOutOfRange() throws {
        try expectError(variant("format: jpeg\nquality: 150"), field: "quality", containing: "between 1 and 100")
        try expectError(variant("format: png\ncompression: 12"), field: "compression", containing: "between 0 and 9")
        try expectError(variant("format: jpeg\nbackground: white"), field: "background", containing: "hex colour")
        try expectError(variant("format: jpeg\nqualty: 80"), field: "qualty", containing: "unknown field")
    }

    @Test func watermarkImageThatDoesNotExist() throws {
        try expectError(
            variant("format: jpeg\noperations:\n  - watermark: {image: missing-logo.png}"), field: "operations[0].watermark.image",
            containing: "does not exist")
    }

    @Test func recipeLevelMistakes() throws {
        let noVariants = try Support.loadError("recipes:\n  r:\n    variants: {}\n")
        #expect(noVariants.recipe == "r" && noVariants.message.contains("at least one variant"))
        let unknownKey = try Support.loadError("recipes:\n  r:\n    variant: {}\n")
        #expect(unknownKey.recipe == "r" && unknownKey.field == "variant" && unknownKey.message.contains("unknown field"))
        let badName = try Support.loadError("recipes:\n  r:\n    variants:\n      \"../escape\": {format: png}\n")
        #expect(badName.message.contains("letters, digits"))
        let badRecipeName = try Support.loadError("recipes:\n  \"a b\":\n    variants:\n      v: {format: png}\n")
        #expect(badRecipeName.message.contains("recipe names"))
    }

    @Test func fileLevelMistakes() throws {
        let notYAML = try Support.loadError("recipes: [unclosed\n")
        #expect(notYAML.message.contains("not valid YAML") && notYAML.recipe == nil)
        let wrongTop = try Support.loadError("recipe:\n  r: {}\n")
        #expect(wrongTop.message.contains("unknown field 'recipe'"))
        let empty = try Support.loadError("recipes: {}\n")
        #expect(empty.message.contains("defines no recipes"))
        let missing = try #require(throws: RecipeError.self) { try RecipeCatalog.load(file: "/nonexistent/recipes.yaml") }
        #expect(missing.file == "/nonexistent/recipes.yaml" && missing.message.contains("cannot read"))
    }
}

/// The name table, apart from any parser: the recipe parser and the URL parsers share it.
@Suite struct OperationNameTests {
    @Test func namesAndAliasesResolveOnceEach() {
        #expect(OperationName.named("greyscale") == .grayscale)
        #expect(OperationName.named("grayscale") == .grayscale)
        #expect(OperationName.named("Resize") == nil, "names are exact")
        #expect(Set(OperationName.allNames).count == OperationName.allNames.count, "no name stands for two operations")
        for name in OperationName.allCases { #expect(OperationName.named(name.rawValue) == name) }
    }
}
