/// A mistake in a recipe file, pointing at the file, the recipe, the variant and the field.
public struct RecipeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var recipe: String?
    public var variant: String?
    /// A dotted path inside the variant (or recipe), such as `operations[1].resize.width`.
    public var field: String?
    public var message: String

    public var description: String {
        var location = [file]
        if let recipe { location.append("recipe '\(recipe)'") }
        if let variant { location.append("variant '\(variant)'") }
        if let field { location.append("field '\(field)'") }
        return location.joined(separator: ", ") + ": " + message
    }

    /// Turns a decoding error's coding path into the recipe, variant and field it names.
    init(file: String, decoding error: DecodingError) {
        let (path, message): ([CodingKey], String) =
            switch error {
            case .typeMismatch(let type, let context): (context.codingPath, "expected \(Self.describe(type))")
            case .valueNotFound(let type, let context): (context.codingPath, "expected \(Self.describe(type)), found nothing")
            case .keyNotFound(let key, let context): (context.codingPath + [key], "this required field is missing")
            case .dataCorrupted(let context): (context.codingPath, context.debugDescription)
            @unknown default: ([], "\(error)")
            }
        var rest = path[...]
        var recipe: String?
        var variant: String?
        if rest.first?.stringValue == "recipes" {
            rest = rest.dropFirst()
            recipe = rest.popFirst()?.stringValue
            if rest.first?.stringValue == "variants" {
                rest = rest.dropFirst()
                variant = rest.popFirst()?.stringValue
            }
        }
        var field = ""
        for key in rest {
            if let index = key.intValue { field += "[\(index)]" } else { field += (field.isEmpty ? "" : ".") + key.stringValue }
        }
        self.init(file: file, recipe: recipe, variant: variant, field: field.isEmpty ? nil : field, message: message)
    }

    init(file: String, recipe: String? = nil, variant: String? = nil, field: String? = nil, message: String) {
        self.file = file
        self.recipe = recipe
        self.variant = variant
        self.field = field
        self.message = message
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "a whole number"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is String.Type: "text"
        case is [Operation].Type: "a list of operations"
        default: "a mapping"
        }
    }
}
