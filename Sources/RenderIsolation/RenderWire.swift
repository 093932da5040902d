import Foundation
import Imaging
import Pipeline

#if canImport(Glibc)
    import Glibc
#endif

/// The messages between a render supervisor and its child, over the child's standard input and
/// output. A frame is a little-endian UInt32 length and a JSON header, then a UInt64 length and
/// a payload of raw bytes: the source for a request, the variants one after another for a
/// response. Raw payloads keep multi-megabyte images out of JSON.
enum RenderWire {
    struct Request: Codable, Sendable {
        /// The recipe to run; ignored when `transform` is set.
        var recipe: String
        /// An on-the-fly transformation to run instead of a recipe.
        var transform: TransformSpec?
        /// What is known of the image's regions.
        var regions: ImageRegions = .none
    }

    struct Response: Codable, Sendable {
        var result: ResultHeader?
        var imagingError: ImagingError?
        /// The child does not know this recipe.
        var unknownRecipe: String?
        /// Any other failure, as text.
        var renderError: String?
    }

    struct ResultHeader: Codable, Sendable {
        var format: ImageFormat
        var width: Int
        var height: Int
        var frames: Int
        var orientation: Int
        var decodeShrink: Int
        var decodeMilliseconds: Double
        var variants: [VariantHeader]
        var regions: ImageRegions
        var placeholder: Placeholder?
        var facts: ImageFacts?
    }

    struct VariantHeader: Codable, Sendable {
        var name: String
        var format: OutputFormat
        var width: Int
        var height: Int
        var length: Int
        var milliseconds: Double
        var qualityChoice: QualityChoice?
    }

    /// The largest header a peer may send; anything bigger means the stream is out of step.
    static let maxHeaderBytes = 1 << 20

    static func encode(_ result: RecipeResult) -> (Response, [UInt8]) {
        var payload: [UInt8] = []
        payload.reserveCapacity(result.variants.reduce(0) { $0 + $1.image.bytes.count })
        let variants = result.variants.map { variant in
            payload += variant.image.bytes
            return VariantHeader(
                name: variant.name, format: variant.image.format, width: variant.image.width, height: variant.image.height,
                length: variant.image.bytes.count, milliseconds: variant.milliseconds, qualityChoice: variant.image.qualityChoice)
        }
        let source = result.source
        let header = ResultHeader(
            format: source.format, width: source.width, height: source.height, frames: source.frames, orientation: source.orientation,
            decodeShrink: result.decodeShrink, decodeMilliseconds: result.decodeMilliseconds, variants: variants, regions: result.regions,
            placeholder: result.placeholder, facts: result.facts)
        return (Response(result: header), payload)
    }

    static func decode(_ header: ResultHeader, payload: [UInt8]) throws -> RecipeResult {
        var offset = 0
        var variants: [RenderedVariant] = []
        for variant in header.variants {
            guard variant.length >= 0, offset + variant.length <= payload.count else { throw WireError("a variant runs past the payload") }
            let bytes = Array(payload[offset..<(offset + variant.length)])
            offset += variant.length
            variants.append(
                RenderedVariant(
                    name: variant.name,
                    image: EncodedImage(
                        bytes: bytes, format: variant.format, width: variant.width, height: variant.height, qualityChoice: variant.qualityChoice),
                    milliseconds: variant.milliseconds))
        }
        let source = ImageHeader(
            format: header.format, width: header.width, height: header.height, frames: header.frames, orientation: header.orientation)
        return RecipeResult(
            source: source, decodeShrink: header.decodeShrink, decodeMilliseconds: header.decodeMilliseconds, variants: variants,
            regions: header.regions, placeholder: header.placeholder, facts: header.facts)
    }

    /// Writes one frame to `fd`, all of it.
    static func write<Header: Encodable>(_ header: Header, payload: [UInt8], to fd: Int32) throws {
        let json = try JSONEncoder().encode(header)
        var frame: [UInt8] = []
        frame.reserveCapacity(12 + json.count)
        frame += withUnsafeBytes(of: UInt32(json.count).littleEndian, Array.init)
        frame += json
        frame += withUnsafeBytes(of: UInt64(payload.count).littleEndian, Array.init)
        try writeAll(frame, to: fd)
        try writeAll(payload, to: fd)
    }

    /// Reads one frame from `fd`. Nil on a clean end of stream before the frame starts.
    static func read<Header: Decodable>(_ type: Header.Type, from fd: Int32, maxPayload: Int, deadline: ContinuousClock.Instant?) throws -> (
        Header, [UInt8]
    )? {
        guard let lengthBytes = try readExactly(4, from: fd, deadline: deadline, endAllowed: true) else { return nil }
        let length = Int(lengthBytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) })
        guard length <= maxHeaderBytes else { throw WireError("a header of \(length) bytes") }
        let json = try readExactly(length, from: fd, deadline: deadline, endAllowed: false)!
        let header = try JSONDecoder().decode(Header.self, from: Data(json))
        let payloadBytes = try readExactly(8, from: fd, deadline: deadline, endAllowed: false)!
        let payloadLength = payloadBytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard payloadLength <= UInt64(maxPayload) else { throw WireError("a payload of \(payloadLength) bytes") }
        let payload = try readExactly(Int(payloadLength), from: fd, deadline: deadline, endAllowed: false)!
        return (header, payload)
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw WireError.closed
            }
            offset += written
        }
    }

    /// `count` bytes, waiting at most until `deadline`. Nil when the stream ends before the
    /// first byte and `endAllowed`; an end anywhere else is an error.
    private static func readExactly(_ count: Int, from fd: Int32, deadline: ContinuousClock.Instant?, endAllowed: Bool) throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            if let deadline { try wait(readable: fd, until: deadline) }
            let got = buffer.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress! + offset, count - offset) }
            if got < 0 {
                if errno == EINTR { continue }
                throw WireError.closed
            }
            if got == 0 {
                if offset == 0 && endAllowed { return nil }
                throw WireError.closed
            }
            offset += got
        }
        return buffer
    }

    private static func wait(readable fd: Int32, until deadline: ContinuousClock.Instant) throws {
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw WireError.timedOut }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(min(Int64(Int32.max), seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1))
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw WireError.closed }
        }
    }
}

/// The stream between supervisor and child broke, or a peer sent something that makes no sense.
struct WireError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }

    static let closed = WireError("the stream closed")
    static let timedOut = WireError("timed out")
}
