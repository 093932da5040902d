/// What a probe learns about an image without decoding its pixels.
public struct ImageHeader: Sendable, Equatable {
    public var format: ImageFormat
    /// Stored width and height, before EXIF orientation is applied.
    public var width: Int
    public var height: Int
    /// Frames in an animation, 1 for a still image.
    public var frames: Int
    /// EXIF orientation, 1 to 8; 1 when absent.
    public var orientation: Int

    public init(format: ImageFormat, width: Int, height: Int, frames: Int = 1, orientation: Int = 1) {
        self.format = format
        self.width = width
        self.height = height
        self.frames = frames
        self.orientation = orientation
    }

    /// True when orientations 5–8 swap the displayed width and height.
    public var swapsAxes: Bool { orientation >= 5 && orientation <= 8 }

    /// Width and height as displayed, after auto-orientation.
    public var orientedWidth: Int { swapsAxes ? height : width }
    public var orientedHeight: Int { swapsAxes ? width : height }
}
