/// The rule for each operation argument, in one place: the operations check their arguments
/// with these, and so do the recipe parser and the URL parsers, so a value a recipe accepts is
/// one every image accepts.
public enum OperationRules {
    public static let blurSigma = 0.3...100.0
    public static let sharpenSigma = 0.3...10.0
    public static let pixelateBlock = 2...4096
    public static let pixelateSize = 1...1024

    public static func checkBlur(sigma: Double) throws {
        guard blurSigma.contains(sigma) else { throw ImagingError.invalidArgument("blur sigma must be between 0.3 and 100, not \(sigma)") }
    }

    public static func checkSharpen(sigma: Double) throws {
        guard sharpenSigma.contains(sigma) else { throw ImagingError.invalidArgument("sharpen sigma must be between 0.3 and 10, not \(sigma)") }
    }

    public static func checkPixelate(block: Int) throws {
        guard pixelateBlock.contains(block) else {
            throw ImagingError.invalidArgument("pixelate block must be between 2 and 4096 pixels, not \(block)")
        }
    }

    public static func checkPixelate(size: Int) throws {
        guard pixelateSize.contains(size) else { throw ImagingError.invalidArgument("pixelate size must be between 1 and 1024 pixels, not \(size)") }
    }

    /// A crop's sides, and a region's corner: the largest side libvips and the URL grammars take.
    public static let cropSide = 1...65_535
    public static let cropCorner = 0...65_535

    /// The first crop argument out of range, with why, for the recipe decoder (which names the
    /// field) and `checkCrop`.
    public static func cropProblem(left: Int? = nil, top: Int? = nil, width: Int, height: Int) -> (field: String, reason: String)? {
        for (field, side) in [("width", width), ("height", height)] where !cropSide.contains(side) {
            return (field, "must be a whole number of pixels from 1 to 65535, not \(side)")
        }
        for case (let field, let corner?) in [("left", left), ("top", top)] where !cropCorner.contains(corner) {
            return (field, "must be a whole number of pixels from 0 to 65535, not \(corner)")
        }
        return nil
    }

    public static func checkCrop(left: Int? = nil, top: Int? = nil, width: Int, height: Int) throws {
        if let bad = cropProblem(left: left, top: top, width: width, height: height) {
            throw ImagingError.invalidArgument("a crop's \(bad.field) \(bad.reason)")
        }
    }

    public static func checkRotation(degrees: Int) throws {
        guard degrees % 90 == 0 else { throw ImagingError.invalidArgument("rotation must be a multiple of 90 degrees, not \(degrees)") }
    }
}
