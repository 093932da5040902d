import Foundation
import Imaging
import Pipeline

/// The `transform.*` keys: on-the-fly URLs in imgproxy's and thumbor's dialects, and recipe
/// variants by URL. Every field is documented in docs/configuration.md.
public struct TransformSettings: Sendable {
    /// Serve on-the-fly URLs at all.
    public var enabled = true
    /// Where `local:///…`, thumbor's image paths and bare paths resolve: a directory, or
    /// `s3://bucket/prefix` in the configured storage's S3 endpoint. Nil: only `darkroom://`
    /// (and allow-listed remote) sources.
    public var root: String?
    /// URL prefixes remote sources must start with, such as `https://images.example.com/`.
    /// Empty: no remote sources.
    public var allowedSources: [String] = []
    /// Let remote sources resolve to loopback, link-local, private or other non-public
    /// addresses. Off: such a source is refused before any connection.
    public var allowPrivateNetworks = false
    /// Accept imgproxy's `insecure` and thumbor's `unsafe` URLs.
    public var allowUnsigned = false
    public var imgproxyPrefix = "/imgproxy"
    /// Hex keys and salts, comma-separated, in pairs (rotation: all are accepted, the first signs).
    public var imgproxyKeys: String?
    public var imgproxySalts: String?
    /// Bytes of the imgproxy signature kept, 1 to 32.
    public var imgproxySignatureSize = 32
    /// imgproxy's `IMGPROXY_PRESETS` form: `name=opt:a/opt:b,other=…`.
    public var imgproxyPresets: String?
    public var thumborPrefix = "/thumbor"
    public var thumborSecurityKey: String?
    /// The image imgproxy's `watermark` option places.
    public var watermark: String?
    /// Formats chosen by `Accept` when a URL names none, in order of preference: `avif`, `webp`.
    public var autoFormats: [OutputFormat] = []
    /// Keep results in the blob store.
    public var cache = true
    /// The file store's cache is trimmed, least recently used first, past this many bytes.
    public var cacheMaxBytes = 1 << 30
    /// `Cache-Control: public, max-age` on results.
    public var maxAgeSeconds = 31_536_000
    /// Renders at once.
    public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Renders waiting for a worker; past this, 429 with Retry-After.
    public var maxQueue = 8 * max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// A request's whole time (source fetch and render); past it, 503.
    public var timeoutSeconds = 10
    /// Show a source's GPS position in `/info` answers (`metadata.keepGps`, the same key that
    /// keeps it in records); off, the answer says only that the file carries one.
    public var keepGPS = false

    public init() {}

    /// Refuses values that cannot work, naming the key.
    public func validate() throws {
        for (key, prefix) in [("transform.imgproxy.prefix", imgproxyPrefix), ("transform.thumbor.prefix", thumborPrefix)] {
            guard prefix.hasPrefix("/") else { throw ConfigurationError("\(key) must start with '/', not '\(prefix)'") }
        }
        let reserved = ["/api", "/healthz", "/readyz", "/metrics", "/openapi.yaml", "/transform"]
        for (key, prefix) in [("transform.imgproxy.prefix", imgproxyPrefix), ("transform.thumbor.prefix", thumborPrefix)] {
            let trimmed = prefix.count > 1 && prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
            if reserved.contains(trimmed) { throw ConfigurationError("\(key) '\(prefix)' is taken by Darkroom's own routes") }
        }
        if normalisedPrefix(imgproxyPrefix) == normalisedPrefix(thumborPrefix) {
            throw ConfigurationError("transform.imgproxy.prefix and transform.thumbor.prefix must differ")
        }
        if normalisedPrefix(thumborPrefix) == "/" { throw ConfigurationError("transform.thumbor.prefix cannot be '/'; only imgproxy's may") }
        guard (1...32).contains(imgproxySignatureSize) else {
            throw ConfigurationError("transform.imgproxy.signatureSize must be between 1 and 32, not \(imgproxySignatureSize)")
        }
        if let key = thumborSecurityKey, key.count < 8 { throw ConfigurationError("transform.thumbor.securityKey must have at least 8 characters") }
        for source in allowedSources {
            guard let url = URL(string: source), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw ConfigurationError("transform.allowedSources: '\(source)' is not an http or https URL prefix")
            }
        }
        guard cacheMaxBytes > 0 else { throw ConfigurationError("transform.cacheMaxBytes must be positive") }
        guard maxAgeSeconds >= 0 else { throw ConfigurationError("transform.maxAgeSeconds must be zero or more") }
        guard (1...256).contains(workers) else { throw ConfigurationError("transform.workers must be between 1 and 256, not \(workers)") }
        guard maxQueue >= 0 else { throw ConfigurationError("transform.maxQueue must be zero or more") }
        guard (1...600).contains(timeoutSeconds) else { throw ConfigurationError("transform.timeoutSeconds must be between 1 and 600") }
    }

    /// A mount point without a trailing `/` (and `/` itself as `/`).
    public func normalisedPrefix(_ prefix: String) -> String {
        var text = prefix
        while text.count > 1 && text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
