import Foundation
import Pipeline

/// Where an on-the-fly source comes from, as a URL named it. Nothing here has been checked
/// against the configured root or allow-list yet: `SourceResolver` does that.
public enum SourceReference: Sendable, Equatable, CustomStringConvertible {
    /// An image already in Darkroom: its original.
    case stored(id: String)
    /// A path under `transform.root`, relative, with no `.`, `..` or empty segments.
    case path(String)
    /// An object named by bucket and key; it must lie under an `s3://` root.
    case object(bucket: String, key: String)
    /// An `http` or `https` URL; it must be allow-listed.
    case remote(URL)

    public var description: String {
        switch self {
        case .stored(let id): "darkroom://\(id)"
        case .path(let path): path
        case .object(let bucket, let key): "s3://\(bucket)/\(key)"
        case .remote(let url): url.absoluteString
        }
    }

    /// Reads a source URL the way both dialects write them: `darkroom://ID`, `local:///path`,
    /// `s3://bucket/key`, `http(s)://…`, or a bare path under the root.
    public static func parse(_ text: String) throws -> SourceReference {
        let lower = text.lowercased()
        if lower.hasPrefix("darkroom://") {
            let id = String(text.dropFirst("darkroom://".count))
            guard ImageID.isValid(id) else { throw DialectError.badSource("'\(id)' is not a Darkroom image id") }
            return .stored(id: id)
        }
        if lower.hasPrefix("local://") { return .path(try relativePath(String(text.dropFirst("local://".count)))) }
        if lower.hasPrefix("s3://") {
            let rest = text.dropFirst("s3://".count)
            guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex else {
                throw DialectError.badSource("an s3 source is s3://bucket/key")
            }
            return .object(bucket: String(rest[..<slash]), key: try relativePath(String(rest[rest.index(after: slash)...])))
        }
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            guard let url = URL(string: text), url.host != nil else { throw DialectError.badSource("'\(text)' is not a valid URL") }
            return .remote(url)
        }
        if let colon = text.firstIndex(of: ":"), let slash = text.firstIndex(of: "/"), colon < slash, text[colon...].hasPrefix("://") {
            throw DialectError.badSource("sources may be darkroom://, local://, s3:// or http(s):// URLs, not \(text[..<colon])://")
        }
        return .path(try relativePath(text))
    }

    /// A path made relative: leading slashes go, and `.`, `..` and empty segments are refused
    /// rather than resolved, so nothing can climb out of the root.
    static func relativePath(_ text: String) throws -> String {
        let trimmed = text.drop { $0 == "/" }
        guard !trimmed.isEmpty, RelativePath.staysInside(trimmed), !trimmed.contains("\\") else {
            throw DialectError.badSource("the source path '\(text)' has empty, '.' or '..' segments")
        }
        return String(trimmed)
    }
}

/// How the answer is delivered, apart from the picture itself.
public struct Delivery: Sendable, Equatable {
    /// `Cache-Control: max-age`, overriding `transform.maxAgeSeconds`.
    public var maxAge: Int?
    /// A `Content-Disposition` file name, without extension.
    public var filename: String?
    /// `Content-Disposition: attachment` instead of `inline`.
    public var attachment = false
    /// Unix seconds after which the URL is refused.
    public var expires: Int?

    public init() {}
}

/// One parsed on-the-fly URL: the source, the normalised transformation, how to deliver it.
public struct TransformRequest: Sendable, Equatable {
    public var source: SourceReference
    public var spec: TransformSpec
    public var delivery: Delivery
    /// Part of the cache key only (imgproxy's `cachebuster`).
    public var cacheBuster: String?
    /// Options the dialect ignores instead of refusing (thumbor's unknown filters), for a header.
    public var ignored: [String]

    public init(
        source: SourceReference, spec: TransformSpec = TransformSpec(), delivery: Delivery = Delivery(), cacheBuster: String? = nil,
        ignored: [String] = []
    ) {
        self.source = source
        self.spec = spec
        self.delivery = delivery
        self.cacheBuster = cacheBuster
        self.ignored = ignored
    }
}
