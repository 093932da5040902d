/// Where a crop or a watermark sits within an image.
public enum Gravity: String, Sendable, CaseIterable, Codable {
    case centre
    case north, south, east, west
    case northEast = "north-east"
    case northWest = "north-west"
    case southEast = "south-east"
    case southWest = "south-west"
    /// Content-aware: the most interesting region (libvips's attention strategy). Crops only.
    case smart
    /// Centred on the faces found in the image; where none were found (or they are not known
    /// at this step), the same as `smart`. The recipe runner turns it into a focus point.
    case faces

    /// The top-left offset of a `inner`-sized box placed in an `outer`-sized area, `margin`
    /// pixels in from any edge it touches.
    func offset(inner: (Int, Int), outer: (Int, Int), margin: Int = 0) -> (x: Int, y: Int) {
        let centredX = (outer.0 - inner.0) / 2
        let centredY = (outer.1 - inner.1) / 2
        let left = margin
        let top = margin
        let right = outer.0 - inner.0 - margin
        let bottom = outer.1 - inner.1 - margin
        switch self {
        case .centre, .smart, .faces: return (centredX, centredY)
        case .north: return (centredX, top)
        case .south: return (centredX, bottom)
        case .east: return (right, centredY)
        case .west: return (left, centredY)
        case .northEast: return (right, top)
        case .northWest: return (left, top)
        case .southEast: return (right, bottom)
        case .southWest: return (left, bottom)
        }
    }
}
