import CLibVips
import CVips

extension Image {
    /// Extracts a region. The region must lie inside the image.
    public func cropped(left: Int, top: Int, width w: Int, height h: Int) throws -> Image {
        guard left >= 0, top >= 0, w > 0, h > 0, left + w <= width, top + h <= height else {
            throw ImagingError.invalidArgument(
                "the crop \(w)×\(h) at \(left),\(top) does not fit inside the \(width)×\(height) image")
        }
        if left == 0, top == 0, w == width, h == height { return self }
        return try derive("crop") { dr_extract_area($0, Int32(left), Int32(top), Int32(w), Int32(h)) }
    }

    /// Crops to `w`×`h` (clamped to the image) placed at the gravity; `smart` picks the most
    /// interesting region.
    public func cropped(width w: Int, height h: Int, gravity: Gravity) throws -> Image {
        let cw = min(w, width)
        let ch = min(h, height)
        if cw == width && ch == height { return self }
        if gravity == .smart || gravity == .faces {
            return try derive("smart crop") { dr_smartcrop($0, Int32(cw), Int32(ch), 1) }
        }
        let (x, y) = gravity.offset(inner: (cw, ch), outer: (width, height))
        return try cropped(left: x, top: y, width: cw, height: ch)
    }
}

extension Image {
    /// Crops to `w`×`h` (clamped to the image) centred on `focus` (fractions of the image), moved
    /// as little as needed to stay inside.
    public func cropped(width w: Int, height h: Int, focus: FocusPoint) throws -> Image {
        let cw = min(w, width)
        let ch = min(h, height)
        let left = min(max(0, Int((focus.x * Double(width)).rounded()) - cw / 2), width - cw)
        let top = min(max(0, Int((focus.y * Double(height)).rounded()) - ch / 2), height - ch)
        return try cropped(left: left, top: top, width: cw, height: ch)
    }
}
