import Foundation

/// The name an image is shown under (the UI, logs, `Content-Disposition`), made from whatever
/// file name a client sent. Storage paths never use it: they are ids (`BlobKeys`).
///
/// The rule: the last path segment only (`../../etc/passwd` is `passwd`); control characters
/// (NUL, CR, LF, DEL, C1) and invisible direction and zero-width marks (the right-to-left
/// override that makes `gpj.exe` read `exe.jpg`) removed; Unicode in NFC; spaces and dots trimmed
/// from the ends; at most 200 characters, keeping a short extension; `upload` when nothing is
/// left.
public enum DisplayName {
    public static let maxLength = 200

    public static func normalise(_ sent: String) -> String {
        let last = sent.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var scalars = String.UnicodeScalarView()
        for scalar in last.precomposedStringWithCanonicalMapping.unicodeScalars where !isHidden(scalar) {
            scalars.append(scalar)
        }
        var name = String(scalars).trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: ".")))
        if name.count > maxLength {
            let ext = (name as NSString).pathExtension
            if !ext.isEmpty, ext.count <= 16 {
                name = String(name.prefix(maxLength - ext.count - 1)).trimmingCharacters(in: .whitespaces) + "." + ext
            } else {
                name = String(name.prefix(maxLength))
            }
        }
        return name.isEmpty ? "upload" : name
    }

    /// Control characters, and format characters that change how text around them reads.
    static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2069, 0xFEFF, 0x061C: true
        default: scalar.properties.generalCategory == .format
        }
    }
}
