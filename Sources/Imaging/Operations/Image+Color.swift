import CLibVips
import CVips

extension Image {
    /// Converts to 8-bit sRGB, keeping any alpha. An embedded ICC profile is honoured (CMYK
    /// and wide-gamut inputs come out with correct colour); a profile that already describes
    /// sRGB is skipped, since transforming through it changes nothing but costs time.
    public func convertedToSRGB() throws -> Image {
        var image = self
        let interpretation = vips_image_get_interpretation(pointer)
        let isEightBitRGB = vips_image_get_format(pointer) == VIPS_FORMAT_UCHAR && interpretation == VIPS_INTERPRETATION_sRGB
        if let profile = iccProfile, !(isEightBitRGB && ICCProfile.describesSRGB(profile)) {
            if let transformed = try? derive("ICC transform", { dr_icc_to_srgb($0) }) {
                image = transformed
            } else {
                _ = Vips.takeError()  // A broken profile: fall back to the colour space's default.
            }
        }
        if vips_image_get_interpretation(image.pointer) != VIPS_INTERPRETATION_sRGB {
            image = try image.derive("colour conversion") { dr_colourspace($0, VIPS_INTERPRETATION_sRGB) }
        }
        if vips_image_get_format(image.pointer) != VIPS_FORMAT_UCHAR {
            image = try image.derive("casting to 8 bits") { dr_cast_uchar($0) }
        }
        return image
    }

    /// Luminance only. The result is a one-band (or gray+alpha) image.
    public func grayscale() throws -> Image {
        try derive("grayscale") { dr_colourspace($0, VIPS_INTERPRETATION_B_W) }
    }

    /// Removes alpha by compositing onto a solid background. Images without alpha are returned
    /// unchanged.
    public func flattened(onto background: RGBColor) throws -> Image {
        guard hasAlpha else { return self }
        return try derive("flattening alpha") { dr_flatten($0, Double(background.red), Double(background.green), Double(background.blue)) }
    }

    /// The embedded ICC profile, if any.
    var iccProfile: UnsafeRawBufferPointer? {
        var data: UnsafeRawPointer?
        var length = 0
        guard dr_get_blob(pointer, "icc-profile-data", &data, &length) == 0, let data, length > 0 else { return nil }
        return UnsafeRawBufferPointer(start: data, count: length)
    }
}

/// An opaque 8-bit sRGB colour.
public struct RGBColor: Sendable, Equatable, Codable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public static let white = RGBColor(red: 255, green: 255, blue: 255)
    public static let black = RGBColor(red: 0, green: 0, blue: 0)

    /// Parses `#rrggbb` or `rrggbb`.
    public init?(hex: String) {
        let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        guard digits.count == 6, let value = UInt32(digits, radix: 16) else { return nil }
        self.init(red: UInt8(value >> 16 & 0xFF), green: UInt8(value >> 8 & 0xFF), blue: UInt8(value & 0xFF))
    }

    public var hex: String {
        "#" + [red, green, blue].map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
