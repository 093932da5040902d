import CLibVips
import CVips

extension Image {
    /// A mosaic at the image's own size: every `block`×`block` square becomes one flat colour,
    /// the average of the pixels it covers. Partial blocks at the right and bottom edges
    /// average their own pixels with the last row or column repeated.
    public func pixelated(block: Int) throws -> Image {
        try OperationRules.checkPixelate(block: block)
        let paddedW = (width + block - 1) / block * block
        let paddedH = (height + block - 1) / block * block
        var image = self
        if paddedW != width || paddedH != height {
            image = try derive("pixelate padding") { dr_embed_copy($0, Int32(paddedW), Int32(paddedH)) }
        }
        let averaged = try image.derive("pixelate shrink") { dr_shrink($0, Double(block), Double(block)) }
        let blocks = try averaged.derive("pixelate zoom") { dr_zoom($0, Int32(block), Int32(block)) }
        return try blocks.cropped(left: 0, top: 0, width: width, height: height)
    }

    /// The seed system's pixelation: the whole image squeezed into a tiny `size`×`size` square.
    public func pixelated(toSize size: Int) throws -> Image {
        try OperationRules.checkPixelate(size: size)
        return try resized(Resize(width: size, height: size, fit: .fill))
    }
}
