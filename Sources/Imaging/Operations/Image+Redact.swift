import CLibVips
import CVips

extension Image {
    /// The image with every region hidden by `mode`. `regions` are fractions of this image (the
    /// whole upright frame); `scale` is how many of this image's pixels make one pixel of the
    /// output the caller will make from it, so `block` and `sigma` mean output pixels.
    public func redacted(_ regions: [Region], mode: RedactionMode, scale: Double = 1) throws -> Image {
        try mode.validate()
        var image = self
        for region in regions {
            guard let box = region.pixels(imageWidth: width, imageHeight: height) else { continue }
            image = try image.redacting(box, mode: mode, scale: max(scale, 1e-3))
        }
        return image
    }

    private func redacting(_ box: (left: Int, top: Int, width: Int, height: Int), mode: RedactionMode, scale: Double) throws -> Image {
        let shorter = Double(min(box.width, box.height))
        let patch: Image
        switch mode {
        case .pixelate(let block):
            // Blocks of `block` output pixels, but at least `minBlocksAcross` across the box.
            let wanted = Double(block) * scale
            let side = max(1, Int(min(wanted, shorter / Double(RedactionMode.minBlocksAcross)).rounded(.down)))
            let region = try cropped(left: box.left, top: box.top, width: box.width, height: box.height)
            patch = side > 1 ? try region.pixelated(block: side) : region
        case .blur(let sigma):
            let effective = min(OperationRules.blurSigma.upperBound, max(sigma * scale, shorter / 10, OperationRules.blurSigma.lowerBound))
            // Blur a margin around the box too, so its edge is blurred from real neighbours,
            // then keep the box only.
            let margin = Int((effective * 3).rounded(.up))
            let left = max(0, box.left - margin)
            let top = max(0, box.top - margin)
            let right = min(width, box.left + box.width + margin)
            let bottom = min(height, box.top + box.height + margin)
            let around = try cropped(left: left, top: top, width: right - left, height: bottom - top)
            let blurred = try around.derive("redaction blur") { dr_gaussblur($0, effective) }.castedToUchar()
            patch = try blurred.cropped(left: box.left - left, top: box.top - top, width: box.width, height: box.height)
        case .fill(let colour):
            var values = [Double(colour.red), Double(colour.green), Double(colour.blue)]
            if bands == 1 || bands == 2 { values = [0.299 * values[0] + 0.587 * values[1] + 0.114 * values[2]] }
            if hasAlpha { values.append(255) }
            let region = try cropped(left: box.left, top: box.top, width: box.width, height: box.height)
            patch = try values.withUnsafeBufferPointer { buffer in
                try region.derive("redaction fill") { dr_constant_like($0, buffer.baseAddress, Int32(buffer.count)) }
            }
        }
        // The patch replaces the box's pixels.
        let sub = patch
        return try derive("redaction") { dr_insert($0, sub.pointer, Int32(box.left), Int32(box.top)) }
    }

    func castedToUchar() throws -> Image {
        try derive("casting") { dr_cast_uchar($0) }
    }
}
