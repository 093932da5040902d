import Imaging

extension Image {
    /// The pixel at (x, y), one value per band. For tests: it reads every pixel to find one.
    public func pixel(x: Int, y: Int) throws -> [UInt8] {
        let bytes = try pixelBytes()
        let start = (y * width + x) * bands
        return Array(bytes[start..<(start + bands)])
    }
}
