import Foundation

/// The encoding rules of Signature Version 4: RFC 3986 percent-encoding with only the unreserved
/// characters left alone, path normalisation, and the canonical query string.
public enum SigV4Encoding {
    /// Percent-encodes every byte but `A-Z a-z 0-9 - . _ ~` (and `/` when `keepSlash`), with
    /// upper-case hex, as SigV4 and S3 keys want.
    public static func uriEncode(_ text: String, keepSlash: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + hexDigits[Int(byte >> 4)] + hexDigits[Int(byte & 0x0F)]
            }
        }
        return out
    }

    /// Decodes `%XX` escapes; a malformed escape is kept as it is. `+` stays a plus.
    public static func percentDecode(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        let source = Array(text.utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "%"), index + 2 < source.count, let high = hexValue(source[index + 1]),
                let low = hexValue(source[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Removes `.` and empty segments and resolves `..`, keeping a final slash: the path
    /// normalisation every service but S3 applies before signing.
    public static func normalizePath(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        var normalized = "/" + segments.joined(separator: "/")
        // Like botocore (and AWS): a trailing slash survives only when the path ends with one.
        if path.hasSuffix("/") && normalized != "/" { normalized += "/" }
        return normalized
    }

    /// The canonical URI. S3 signs the path exactly as sent. Other services normalise it and
    /// then encode it again, so `%20` on the wire is signed as `%2520`.
    public static func canonicalURI(_ path: String, s3: Bool, normalize: Bool = true) -> String {
        let path = path.isEmpty ? "/" : path
        if s3 { return path }
        return uriEncode(normalize ? normalizePath(path) : path, keepSlash: true)
    }

    /// The canonical query string: each name and value decoded and re-encoded, then sorted by
    /// name and value. A name without `=` has an empty value.
    public static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { item -> (String, String) in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = uriEncode(percentDecode(String(parts[0])))
            let value = parts.count > 1 ? uriEncode(percentDecode(String(parts[1]))) : ""
            return (name, value)
        }
        return pairs.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// A query string from names and values, each encoded the SigV4 way.
    public static func queryString(_ items: [(String, String)]) -> String {
        items.map { "\(uriEncode($0.0))=\(uriEncode($0.1))" }.joined(separator: "&")
    }

    /// An `application/x-www-form-urlencoded` body, as the query-protocol services (SNS, IAM)
    /// take it and as botocore writes it: SigV4 encoding with `+` for a space.
    public static func formBody(_ items: [(String, String)]) -> String {
        items.map { "\(uriEncode($0.0))=\(uriEncode($0.1).replacingOccurrences(of: "%20", with: "+"))" }.joined(separator: "&")
    }

    /// A header value as signed: trimmed, with runs of spaces and tabs made one space.
    public static func canonicalHeaderValue(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }

    private static let hexDigits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F"]

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
