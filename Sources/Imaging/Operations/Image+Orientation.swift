import CLibVips
import CVips

/// A flip's direction.
public enum FlipDirection: String, Sendable, CaseIterable, Codable {
    case horizontal, vertical
}

extension Image {
    /// Applies the EXIF orientation (1–8) so the image is upright, and drops the tag.
    public func autoOriented() throws -> Image {
        try derive("auto-orient") { dr_autorot($0) }
    }

    /// Rotates clockwise by a multiple of 90 degrees.
    public func rotated(degrees: Int) throws -> Image {
        try OperationRules.checkRotation(degrees: degrees)
        let quarterTurns = ((degrees / 90) % 4 + 4) % 4
        if quarterTurns == 0 { return self }
        return try derive("rotate") { dr_rot($0, Int32(quarterTurns)) }
    }

    public func flipped(_ direction: FlipDirection) throws -> Image {
        try derive("flip") { dr_flip($0, direction == .horizontal ? 1 : 0) }
    }
}
