import CLibVips
import CVips

extension Image {
    /// Draws text over the image. The text is literal: Pango markup in it is escaped.
    public func watermarked(_ mark: TextWatermark) throws -> Image {
        try mark.validate()
        let font = "\(mark.font) \(mark.size)"
        let mask = try mark.text.pangoEscaped.withCString { text in
            try font.withCString { fontName in
                guard let out = dr_text(text, fontName, 72) else {
                    throw ImagingError.processingFailed("rendering watermark text", detail: Vips.takeError())
                }
                return Image(VipsImageRef(out, source: nil))
            }
        }
        var colour = [Double(mark.color.red), Double(mark.color.green), Double(mark.color.blue)]
        let rgb = try mask.derive("watermark colour") { dr_constant_like($0, &colour, 3) }
        let alpha = try mask.derive("watermark opacity") { dr_linear1($0, mark.placement.opacity, 0) }
        let overlay = try rgb.joined(with: alpha).derive("watermark colour space") { dr_copy_interpretation($0, VIPS_INTERPRETATION_sRGB) }
        return try composited(overlay, placement: mark.placement)
    }

    /// Draws another image over this one, scaled to a fraction of this image's width.
    public func watermarked(_ mark: ImageWatermark) throws -> Image {
        try mark.placement.validate()
        var logo = try mark.image.convertedToSRGB()
        if let scale = mark.scale {
            try ImageWatermark.checkScale(scale)
            let targetWidth = max(1, Int((Double(width) * scale).rounded()))
            logo = try logo.resized(Resize(width: targetWidth, upscale: true))
        }
        let colour = try logo.derive("watermark bands") { dr_extract_bands($0, 0, 3) }
        let alpha: Image
        if logo.hasAlpha {
            let own = try logo.derive("watermark alpha") { dr_extract_bands($0, Int32(logo.bands - 1), 1) }
            alpha = try own.derive("watermark opacity") { dr_linear1($0, mark.placement.opacity, 0) }
        } else {
            var opaque = [255.0 * mark.placement.opacity]
            alpha = try colour.derive("watermark opacity") { dr_constant_like($0, &opaque, 1) }
        }
        return try composited(colour.joined(with: alpha), placement: mark.placement)
    }

    /// Places an RGBA overlay at the placement's position, clipping whatever falls outside.
    func composited(_ overlay: Image, placement: WatermarkPlacement) throws -> Image {
        let (x, y) = placement.position.offset(inner: (overlay.width, overlay.height), outer: (width, height), margin: placement.margin)
        let hadAlpha = hasAlpha
        var base = self
        if bands < 3 {
            base = try base.derive("watermark base colour") { dr_colourspace($0, VIPS_INTERPRETATION_sRGB) }
        }
        var out = try base.derive("watermark composite") { dr_composite_over($0, overlay.pointer, Int32(x), Int32(y)) }
        if !hadAlpha && out.hasAlpha {
            out = try out.derive("watermark drop alpha") { dr_extract_bands($0, 0, Int32(out.bands - 1)) }
        }
        return try out.derive("watermark cast") { dr_cast_uchar($0) }
    }

    func joined(with other: Image) throws -> Image {
        try derive("band join") { dr_bandjoin2($0, other.pointer) }
    }
}

extension String {
    /// libvips renders text through Pango, which reads markup; escape it so text stays text.
    var pangoEscaped: String {
        var out = ""
        for ch in self {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(ch)
            }
        }
        return out
    }
}
