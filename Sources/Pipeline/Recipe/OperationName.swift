/// The operations by name, with their aliases: what a recipe, and a URL next, calls them. The
/// table is here, apart from any parser; each parser maps a name to its own reading of the
/// arguments, whose ranges are `OperationRules`'.
public enum OperationName: String, CaseIterable, Sendable {
    case resize, crop, grayscale, pixelate, blur, sharpen, rotate, flip, watermark, redact

    /// Other spellings accepted for this operation.
    public var aliases: [String] {
        switch self {
        case .grayscale: ["greyscale"]
        default: []
        }
    }

    /// True for operations that take no arguments, so a bare name is enough.
    public var takesNoArguments: Bool { self == .grayscale }

    /// The operation a name or alias stands for.
    public static func named(_ text: String) -> OperationName? {
        allCases.first { $0.rawValue == text || $0.aliases.contains(text) }
    }

    /// Every name and alias, in table order.
    public static var allNames: [String] { allCases.flatMap { [$0.rawValue] + $0.aliases } }
}
