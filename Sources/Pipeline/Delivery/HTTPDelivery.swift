import Foundation

/// The HTTP rules for handing out a stored or rendered file, written once for the API's
/// originals and variants, the web UI's assets and on-the-fly answers.
public enum HTTPDelivery {
    /// True when an `If-None-Match` header names `etag`: `*`, or a comma-separated list holding
    /// the tag. The comparison is the weak one RFC 9110 §13.1.2 prescribes for `If-None-Match`,
    /// so `W/"x"` (as a proxy that compressed the answer sends it back) matches `"x"`.
    public static func ifNoneMatch(_ header: String?, matches etag: String) -> Bool {
        guard let header else { return false }
        let wanted = opaque(etag)
        return header.split(separator: ",").contains { item in
            let tag = item.trimmingCharacters(in: .whitespaces)
            return tag == "*" || opaque(tag) == wanted
        }
    }

    /// A tag without its weakness marker.
    private static func opaque(_ tag: some StringProtocol) -> Substring {
        let tag = Substring(tag)
        return tag.hasPrefix("W/") ? tag.dropFirst(2) : tag
    }

    /// `inline` (or `attachment`) with the file name: an ASCII fallback, and the exact name in
    /// RFC 8187's `filename*`. Quotes, backslashes and anything outside printable ASCII are
    /// replaced in the fallback, so the header can never be split or spoofed.
    public static func contentDisposition(_ name: String, attachment: Bool = false) -> String {
        let fallback = String(name.unicodeScalars.map { (0x20..<0x7F).contains($0.value) && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
        let encoded = name.addingPercentEncoding(withAllowedCharacters: attributeCharacters) ?? fallback
        return "\(attachment ? "attachment" : "inline"); filename=\"\(fallback)\"; filename*=UTF-8''\(encoded)"
    }

    /// RFC 8187's `attr-char`: what `filename*` may carry unencoded.
    private static let attributeCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&+-.^_`|~")
}
