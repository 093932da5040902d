import CLibVips
import CVips

extension Image {
    /// Places the image in a `width`×`height` box of `background`, at the gravity: imgproxy's
    /// `extend`. A box smaller than the image on a side leaves that side as it is; an image with
    /// alpha gets a transparent border instead, so a later flatten picks the colour.
    public func extended(toWidth boxW: Int, height boxH: Int, gravity: Gravity, background: RGBColor) throws -> Image {
        let (w, h) = (max(boxW, width), max(boxH, height))
        if w == width && h == height { return self }
        try Resize.checkOutput(width: w, height: h)
        let placement = gravity == .smart || gravity == .faces ? .centre : gravity
        let (x, y) = placement.offset(inner: (width, height), outer: (w, h))
        let grey = [Double(background.red) * 0.299 + Double(background.green) * 0.587 + Double(background.blue) * 0.114]
        var values: [Double]
        switch (bands, hasAlpha) {
        case (1, _): values = grey
        case (2, _): values = grey + [0]
        case (_, true): values = [0, 0, 0, 0]
        default: values = [Double(background.red), Double(background.green), Double(background.blue)]
        }
        values += Array(repeating: 0, count: max(0, bands - values.count))
        values = Array(values.prefix(bands))
        return try values.withUnsafeBufferPointer { buffer in
            try derive("extend") { dr_embed_background($0, Int32(x), Int32(y), Int32(w), Int32(h), buffer.baseAddress, Int32(buffer.count)) }
        }
    }
}
