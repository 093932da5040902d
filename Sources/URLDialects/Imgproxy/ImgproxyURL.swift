import Foundation
import Imaging
import Pipeline

/// Parses imgproxy's URLs: `/%signature/%options/plain/%source@%extension` and
/// `/%signature/%options/%base64_source.%extension` (the base64 may be split by `/`).
public struct ImgproxyDialect: Sendable {
    public struct Settings: Sendable {
        /// Nil when no keys are configured: only unsigned URLs can then be accepted.
        public var signer: ImgproxySigner?
        /// Accept the `insecure` signature (imgproxy's unsigned URLs).
        public var allowUnsigned = false
        /// `pr:NAME` expands to these options; `default` applies to every URL first.
        public var presets: [String: [String]] = [:]
        /// The image `wm` places; nil refuses `wm`.
        public var watermarkPath: String?

        public init(signer: ImgproxySigner? = nil, allowUnsigned: Bool = false, presets: [String: [String]] = [:], watermarkPath: String? = nil) {
            self.signer = signer
            self.allowUnsigned = allowUnsigned
            self.presets = presets
            self.watermarkPath = watermarkPath
        }

        /// Reads imgproxy's `IMGPROXY_PRESETS` form: `name=opt:a/opt:b,other=…`.
        public static func presets(_ text: String) throws -> [String: [String]] {
            var presets: [String: [String]] = [:]
            for entry in text.split(separator: ",") {
                let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw DialectError.badOption("a preset is NAME=options, not '\(entry)'")
                }
                presets[parts[0]] = parts[1].split(separator: "/").map(String.init)
            }
            return presets
        }
    }

    public let settings: Settings

    public init(settings: Settings) {
        self.settings = settings
    }

    /// `path` is what follows the mount point, starting with `/` (still percent-encoded).
    public func parse(_ path: String, now: Date = Date()) throws -> TransformRequest {
        let url = try split(path)
        var state = ImgproxyState()
        if let defaults = settings.presets["default"] { try apply(defaults, to: &state, depth: 0) }
        try apply(url.options, to: &state, depth: 0)
        if let extensionText = url.extension, !extensionText.isEmpty { state.spec.format = try Self.format(extensionText) }
        if let expires = state.delivery.expires, Double(expires) < now.timeIntervalSince1970 {
            throw DialectError.expired("the URL expired at \(expires)")
        }
        var request = TransformRequest(source: try SourceReference.parse(url.source), spec: try state.finish(), delivery: state.delivery)
        request.cacheBuster = state.cacheBuster
        return request
    }

    /// An imgproxy URL taken apart: the signature checked, the leading `name:args` segments, the
    /// source as text, and the `@ext`/`.ext` after it. `/info` URLs are read the same way.
    func split(_ path: String) throws -> (options: [String], source: String, extension: String?) {
        let trimmed = path.drop { $0 == "/" }
        guard let slash = trimmed.firstIndex(of: "/") else { throw DialectError.badOption("the URL has no options or source") }
        let signature = String(trimmed[..<slash])
        let signed = String(trimmed[slash...])
        try checkSignature(signature, path: signed)

        // Options are the leading segments with a ':'; the source is the rest, as written.
        var rest = Substring(signed).drop { $0 == "/" }
        var options: [String] = []
        while let slash = rest.firstIndex(of: "/") {
            let segment = rest[..<slash]
            guard segment != "plain", segment.contains(":") else { break }
            options.append(String(segment))
            rest = rest[rest.index(after: slash)...].drop { $0 == "/" }
        }
        guard !rest.isEmpty, rest.contains(":") == false || rest.hasPrefix("plain/") else {
            throw DialectError.badSource("the URL names no source")
        }

        let sourceText: String
        var extensionText: String?
        if rest.hasPrefix("plain/") {
            var plain = String(rest.dropFirst("plain/".count))
            if let at = plain.lastIndex(of: "@") {
                extensionText = String(plain[plain.index(after: at)...])
                plain = String(plain[..<at])
            }
            guard let decoded = plain.removingPercentEncoding, !decoded.isEmpty else { throw DialectError.badSource("the plain source is not valid") }
            sourceText = decoded
        } else {
            var encoded = rest.split(separator: "/").joined()
            if let dot = encoded.lastIndex(of: ".") {
                extensionText = String(encoded[encoded.index(after: dot)...])
                encoded = String(encoded[..<dot])
            }
            guard let bytes = Base64URL.decode(encoded), let text = String(bytes: bytes, encoding: .utf8), !text.isEmpty else {
                throw DialectError.badSource("the source is neither plain/… nor URL-safe base64")
            }
            sourceText = text
        }
        return (options, sourceText, extensionText)
    }

    /// `insecure` marks an unsigned URL. With no keys configured, imgproxy accepts any
    /// signature text, and so does Darkroom, but only when unsigned URLs are allowed at all.
    private func checkSignature(_ signature: String, path: String) throws {
        let unsigned = signature == "insecure" || settings.signer == nil
        if unsigned {
            guard settings.allowUnsigned else {
                throw DialectError.unsigned(
                    settings.signer == nil
                        ? "no imgproxy keys are configured (transform.imgproxy.keys) and unsigned URLs are refused (transform.allowUnsigned)"
                        : "unsigned URLs are refused; sign the URL, or set transform.allowUnsigned")
            }
            return
        }
        guard settings.signer?.verify(signature, path: path) == true else { throw DialectError.badSignature("the signature does not match") }
    }

    private func apply(_ options: [String], to state: inout ImgproxyState, depth: Int) throws {
        for option in options {
            let parts = option.split(separator: ":", omittingEmptySubsequences: false).map { $0.removingPercentEncoding ?? String($0) }
            guard let name = ImgproxyOption.named(parts[0]) else { throw DialectError.badOption("unknown option '\(parts[0])'") }
            let arguments = Array(parts.dropFirst())
            if name == .preset {
                guard depth < 4 else { throw DialectError.badOption("presets nest too deeply") }
                for preset in arguments {
                    guard let expansion = settings.presets[preset] else { throw DialectError.badOption("unknown preset '\(preset)'") }
                    try apply(expansion, to: &state, depth: depth + 1)
                }
                continue
            }
            try state.apply(name, arguments, watermarkPath: settings.watermarkPath)
        }
    }

    /// imgproxy's format names.
    static func format(_ text: String) throws -> OutputFormat {
        switch text.lowercased() {
        case "jpg", "jpeg": return .jpeg
        case "png": return .png
        case "webp": return .webp
        case "avif": return .avif
        case "gif": return .gif
        default: throw DialectError.badOption("unsupported format '\(text)'; Darkroom writes jpg, png, webp, avif and gif")
        }
    }
}
