import Imaging

/// One step of a variant, applied to the image the previous step produced.
public enum Operation: Sendable, Equatable {
    case resize(Resize)
    /// A fixed region, in the pixels of the image at this step.
    case cropRegion(left: Int, top: Int, width: Int, height: Int)
    /// A box of the given size placed at a gravity (`smart` finds the interesting part).
    case crop(width: Int, height: Int, gravity: Gravity)
    /// A box of the given size centred on a point (fractions of the image), kept inside it:
    /// what a `faces` gravity becomes once the faces are known.
    case focusCrop(width: Int, height: Int, focus: FocusPoint)
    case grayscale
    /// A mosaic of `block`-pixel squares at the current size.
    case pixelate(block: Int)
    /// The whole image squeezed to a tiny `size`×`size` square, as the seed system did.
    case pixelateTo(size: Int)
    case blur(sigma: Double)
    case sharpen(sigma: Double)
    case rotate(degrees: Int)
    case flip(FlipDirection)
    /// The image placed in a box of at least this size, the rest filled: imgproxy's `extend`.
    /// On-the-fly URLs only; recipes do not name it.
    case extend(width: Int, height: Int, gravity: Gravity, background: RGBColor)
    case textWatermark(TextWatermark)
    /// `path` is absolute once the recipe file is loaded.
    case imageWatermark(path: String, scale: Double?, placement: WatermarkPlacement)
    /// Hides the image's regions (faces, boxes a person drew). The runner applies it to the
    /// whole upright frame at the start of the variant, wherever it is listed, so the regions
    /// fit exactly whatever crops and resizes follow.
    case redact(Redaction)

    /// The operation's name in recipe files.
    public var name: String {
        switch self {
        case .resize: "resize"
        case .cropRegion, .crop, .focusCrop: "crop"
        case .grayscale: "grayscale"
        case .pixelate, .pixelateTo: "pixelate"
        case .blur: "blur"
        case .sharpen: "sharpen"
        case .rotate: "rotate"
        case .flip: "flip"
        case .extend: "extend"
        case .textWatermark, .imageWatermark: "watermark"
        case .redact: "redact"
        }
    }

    /// Applies the operation. `watermarks` holds decoded logo images by path.
    func apply(to image: Image, watermarks: [String: Image]) throws -> Image {
        switch self {
        case .resize(let request): return try image.resized(request)
        case .cropRegion(let left, let top, let width, let height): return try image.cropped(left: left, top: top, width: width, height: height)
        case .crop(let width, let height, let gravity): return try image.cropped(width: width, height: height, gravity: gravity)
        case .focusCrop(let width, let height, let focus): return try image.cropped(width: width, height: height, focus: focus)
        case .grayscale: return try image.grayscale()
        case .pixelate(let block): return try image.pixelated(block: block)
        case .pixelateTo(let size): return try image.pixelated(toSize: size)
        case .blur(let sigma): return try image.blurred(sigma: sigma)
        case .sharpen(let sigma): return try image.sharpened(sigma: sigma)
        case .rotate(let degrees): return try image.rotated(degrees: degrees)
        case .flip(let direction): return try image.flipped(direction)
        case .extend(let width, let height, let gravity, let background):
            return try image.extended(toWidth: width, height: height, gravity: gravity, background: background)
        case .textWatermark(let mark): return try image.watermarked(mark)
        case .redact:
            // Applied by the runner, with the image's regions, before the other steps.
            return image
        case .imageWatermark(let path, let scale, let placement):
            guard let logo = watermarks[path] else { throw ImagingError.invalidArgument("the watermark image \(path) was not loaded") }
            return try image.watermarked(ImageWatermark(image: logo, scale: scale, placement: placement))
        }
    }
}

extension Operation {
    /// This step with a `faces` gravity turned into a focus on `faces` (fractions of the
    /// image), when the image is still the whole upright frame; else `smart`.
    func resolvingFaces(_ faces: [Region], wholeFrame: Bool) -> Operation {
        let focus = wholeFrame ? faces.focus : nil
        switch self {
        case .resize(var request) where request.gravity == .faces:
            if let focus, request.fit == .cover { request.focus = focus } else { request.gravity = .smart }
            return .resize(request)
        case .crop(let width, let height, .faces):
            guard let focus else { return .crop(width: width, height: height, gravity: .smart) }
            return .focusCrop(width: width, height: height, focus: focus)
        default:
            return self
        }
    }

    /// True for a step after which the image is no longer the whole upright frame.
    var changesFrame: Bool {
        switch self {
        case .resize(let request): !request.keepsWholeFrame && request.fit != .fill
        case .cropRegion, .crop, .focusCrop, .rotate, .flip, .extend: true
        default: false
        }
    }

    var usesFaceGravity: Bool {
        switch self {
        case .resize(let request): request.gravity == .faces
        case .crop(_, _, let gravity): gravity == .faces
        default: false
        }
    }
}

extension ImagingError: ImagingErrorMessage {}
