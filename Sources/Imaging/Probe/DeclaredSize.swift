/// What a file's header declares about its size, read by walking its structure in Swift with
/// no pixel decoding and no call into libvips. Parsers for JPEG, PNG, GIF and WebP always give
/// dimensions; TIFF and HEIF parsers may leave them nil for layouts they do not walk, and the
/// libvips header read (which allocates no pixels for those loaders) fills them in.
struct DeclaredSize: Equatable {
    var width: Int?
    var height: Int?
    var frames: Int = 1

    static func read(_ format: ImageFormat, _ b: ByteReader) throws -> DeclaredSize {
        switch format {
        case .jpeg: try JPEGHeader.read(b)
        case .png: try PNGHeader.read(b)
        case .gif: try GIFHeader.read(b)
        case .webp: try WebPHeader.read(b)
        case .tiff: try TIFFHeader.read(b)
        case .heif, .avif: try HEIFHeader.read(b, format: format)
        }
    }
}
