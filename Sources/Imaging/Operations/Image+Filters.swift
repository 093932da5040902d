import CLibVips
import CVips

extension Image {
    /// Gaussian blur; `sigma` is in pixels, from 0.3 to 100.
    public func blurred(sigma: Double) throws -> Image {
        try OperationRules.checkBlur(sigma: sigma)
        return try derive("blur") { dr_gaussblur($0, sigma) }
    }

    /// Unsharp-mask sharpening; `sigma` is the mask's radius in pixels, from 0.3 to 10.
    public func sharpened(sigma: Double) throws -> Image {
        try OperationRules.checkSharpen(sigma: sigma)
        let sharpened = try derive("sharpen") { dr_sharpen($0, sigma) }
        // vips_sharpen works in LabS and returns sRGB as 16-bit; bring it back to 8 bits.
        return try sharpened.convertedToSRGB()
    }
}
