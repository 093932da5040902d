import CLibVips
import CVips

/// An image held by libvips. Values are immutable: every operation returns a new image, and
/// most are lazy until `materialized()` or an encoder pulls the pixels through.
public struct Image: Sendable {
    let ref: VipsImageRef

    init(_ ref: VipsImageRef) {
        self.ref = ref
    }

    var pointer: UnsafeMutablePointer<VipsImage> { ref.pointer }

    public var width: Int { Int(vips_image_get_width(pointer)) }
    public var height: Int { Int(vips_image_get_height(pointer)) }
    public var bands: Int { Int(vips_image_get_bands(pointer)) }
    public var hasAlpha: Bool { vips_image_hasalpha(pointer) != 0 }

    /// Wraps the result of one libvips call, keeping the source bytes alive for lazy images.
    func derive(_ step: String, _ make: (UnsafeMutablePointer<VipsImage>) -> UnsafeMutablePointer<VipsImage>?) throws -> Image {
        guard let out = make(pointer) else {
            throw ImagingError.processingFailed(step, detail: Vips.takeError())
        }
        return Image(VipsImageRef(out, source: ref.source))
    }

    /// Computes every pixel now and keeps them in memory. Use it before deriving several
    /// outputs from one image: a sequentially loaded image can only be read once.
    public func materialized() throws -> Image {
        guard let out = vips_image_copy_memory(pointer) else {
            let detail = Vips.takeError()
            throw ImagingError.corrupt(nil, "its image data is damaged or cut short", detail: detail)
        }
        return Image(VipsImageRef(out, source: nil))
    }
}
