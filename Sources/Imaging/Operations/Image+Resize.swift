import CLibVips
import CReduceWidth
import CVips

/// How a resize fits the image to the requested box.
public enum Fit: String, Sendable, CaseIterable, Codable {
    /// Keep the aspect ratio and fit entirely inside the box.
    case inside
    /// Keep the aspect ratio, fill the box, and crop the overflow at the gravity.
    case cover
    /// Stretch to exactly the box.
    case fill
    /// Keep the aspect ratio and cover the box, cropping nothing: the smaller side fits.
    case outside
}

/// A point of interest as fractions of the width and height (0…1 from the top left): a cover
/// resize crops around it instead of at a gravity.
public struct FocusPoint: Sendable, Equatable, Codable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }

    /// Both coordinates must lie within 0…1.
    public func validate() throws {
        guard (0...1).contains(x), (0...1).contains(y) else {
            throw ImagingError.invalidArgument("a focus point's coordinates must be between 0 and 1, not \(x), \(y)")
        }
    }
}

/// The resampling filter a resize uses when reducing.
public enum ResizeKernel: String, Sendable, CaseIterable, Codable {
    case nearest, linear, cubic, mitchell, lanczos2, lanczos3

    var vips: VipsKernel {
        switch self {
        case .nearest: VIPS_KERNEL_NEAREST
        case .linear: VIPS_KERNEL_LINEAR
        case .cubic: VIPS_KERNEL_CUBIC
        case .mitchell: VIPS_KERNEL_MITCHELL
        case .lanczos2: VIPS_KERNEL_LANCZOS2
        case .lanczos3: VIPS_KERNEL_LANCZOS3
        }
    }
}

/// A resize request. Give width, height, or both; `cover` and `fill` need both.
public struct Resize: Sendable, Equatable {
    public var width: Int?
    public var height: Int?
    public var fit: Fit
    public var gravity: Gravity
    /// Allow making the image larger than its source. `fill` always gives the exact size.
    public var upscale: Bool
    /// Lanczos3 by default, as sharp and imgproxy do; `cubic` matches Pillow's `thumbnail`.
    public var kernel: ResizeKernel
    /// `cover` only: crop around this point instead of at `gravity`.
    public var focus: FocusPoint?

    public init(
        width: Int? = nil, height: Int? = nil, fit: Fit = .inside, gravity: Gravity = .centre, upscale: Bool = false,
        kernel: ResizeKernel = .lanczos3, focus: FocusPoint? = nil
    ) {
        self.focus = focus
        self.width = width
        self.height = height
        self.fit = fit
        self.gravity = gravity
        self.upscale = upscale
        self.kernel = kernel
    }

    /// True when the result is the whole frame, scaled: no crop and no change of aspect ratio.
    public var keepsWholeFrame: Bool { fit == .inside || fit == .outside }

    /// Checks the request makes sense on its own, before any image is involved.
    public func validate() throws {
        guard width != nil || height != nil else { throw ImagingError.invalidArgument("resize needs a width, a height, or both") }
        for value in [width, height].compactMap({ $0 }) where value < 1 || value > 65_535 {
            throw ImagingError.invalidArgument("resize sizes must be between 1 and 65535 pixels, not \(value)")
        }
        if fit != .inside && (width == nil || height == nil) {
            throw ImagingError.invalidArgument("fit '\(fit.rawValue)' needs both a width and a height")
        }
        try focus?.validate()
    }

    /// The largest image a resize that enlarges may make: 65535 px on a side and 100 MP, so an
    /// upscale of an extreme aspect ratio is refused instead of allocating gigabytes. A resize
    /// that only shrinks is never refused.
    public static let maxOutputSide = 65_535
    public static let maxOutputPixels = 100_000_000

    /// Refuses a result larger than `maxOutputSide` or `maxOutputPixels`.
    static func checkOutput(width: Int, height: Int) throws {
        guard width <= maxOutputSide, height <= maxOutputSide, width * height <= maxOutputPixels else {
            throw ImagingError.invalidArgument(
                "the resized image would be \(width)×\(height) pixels; a resize may make at most \(maxOutputSide) pixels on a side and \(maxOutputPixels) pixels in all"
            )
        }
    }

    /// The scale on each axis from a `w`×`h` source, before any crop.
    public func scales(width w: Int, height h: Int) -> (x: Double, y: Double) {
        let sx = width.map { Double($0) / Double(w) }
        let sy = height.map { Double($0) / Double(h) }
        if fit == .fill, let sx, let sy { return (sx, sy) }
        var s: Double
        switch (sx, sy) {
        case (let x?, let y?): s = fit == .cover || fit == .outside ? max(x, y) : min(x, y)
        case (let x?, nil): s = x
        case (nil, let y?): s = y
        default: s = 1
        }
        if !upscale { s = min(s, 1) }
        return (s, s)
    }

    /// The largest fraction of a `w`×`h` source this resize needs to see, for shrink-on-load.
    public func neededScale(width w: Int, height h: Int) -> Double {
        let (sx, sy) = scales(width: w, height: h)
        return max(sx, sy)
    }
}

extension Image {
    /// Resizes with the request's fit mode; `cover` then crops at the gravity.
    public func resized(_ request: Resize) throws -> Image {
        try request.validate()
        let (sx, sy) = request.scales(width: width, height: height)
        let targetW = max(1, Int((Double(width) * sx).rounded()))
        let targetH = max(1, Int((Double(height) * sy).rounded()))
        let grows = targetW > width || targetH > height
        if grows, request.fit == .cover, let boxW = request.width, let boxH = request.height,
            (try? Resize.checkOutput(width: targetW, height: targetH)) == nil
        {
            // An upscaled cover of an extreme aspect ratio: crop the source to the part that
            // will show first, so the scaled whole frame is never made.
            let regionW = min(width, max(1, Int((Double(boxW) / sx).rounded(.up))))
            let regionH = min(height, max(1, Int((Double(boxH) / sy).rounded(.up))))
            let region = try cropped(width: regionW, height: regionH, gravity: request.gravity)
            var exact = request
            exact.fit = .fill
            (exact.width, exact.height) = (min(boxW, Int((Double(regionW) * sx).rounded())), min(boxH, Int((Double(regionH) * sy).rounded())))
            exact.width = max(1, exact.width ?? 1)
            exact.height = max(1, exact.height ?? 1)
            return try region.resized(exact)
        }
        if grows { try Resize.checkOutput(width: targetW, height: targetH) }
        var image = self
        if let reduced = try reducedByModerateRatio(toWidth: targetW, height: targetH, kernel: request.kernel) {
            image = reduced
        } else if targetW != width || targetH != height {
            image = try derive("resize") { dr_resize($0, Double(targetW) / Double(width), Double(targetH) / Double(height), request.kernel.vips) }
            if image.width != targetW || image.height != targetH {
                image = try image.cropped(left: 0, top: 0, width: min(targetW, image.width), height: min(targetH, image.height))
            }
        }
        if request.fit == .cover, let boxW = request.width, let boxH = request.height {
            let cropW = min(boxW, image.width)
            let cropH = min(boxH, image.height)
            if cropW != image.width || cropH != image.height {
                if let focus = request.focus {
                    let left = min(max(0, Int((focus.x * Double(image.width)).rounded()) - cropW / 2), image.width - cropW)
                    let top = min(max(0, Int((focus.y * Double(image.height)).rounded()) - cropH / 2), image.height - cropH)
                    image = try image.cropped(left: left, top: top, width: cropW, height: cropH)
                } else {
                    image = try image.cropped(width: cropW, height: cropH, gravity: request.gravity)
                }
            }
        }
        return image
    }

    /// Reductions of 1 to 3× on each axis, the common case for a recipe's larger variants, go
    /// vertical first through libvips's vectorised reducev, then horizontal through Darkroom's
    /// fixed-point reducer (libvips 8.14's reduceh is scalar and dominated whole recipe runs).
    /// Nil when the request is outside that case, so the caller uses libvips's resize.
    func reducedByModerateRatio(toWidth targetW: Int, height targetH: Int, kernel: ResizeKernel) throws -> Image? {
        let xRatio = Double(width) / Double(targetW)
        let yRatio = Double(height) / Double(targetH)
        guard kernel != .nearest, (1...3).contains(xRatio), (1...3).contains(yRatio), xRatio > 1 || yRatio > 1,
            bands <= 4, vips_image_get_format(pointer) == VIPS_FORMAT_UCHAR
        else { return nil }
        var image = self
        if targetH != height {
            image = try derive("reduce height") { dr_reducev($0, yRatio, kernel.vips) }
            guard image.height == targetH else { return nil }
        }
        if targetW != width {
            image = try image.derive("reduce width") { dr_reduce_width($0, Int32(targetW), kernel.vips) }
        }
        return image
    }
}
