/// Where an image's bytes live in a blob store. Keys are deterministic, so a re-run overwrites
/// instead of duplicating, and a file name is never used as a path: it is reduced to a safe
/// single segment first.
public enum BlobKeys {
    public static func original(id: String, filename: String) -> String {
        "originals/\(id)/\(safeName(filename))"
    }

    /// A variant of one generation of an image. The first generation's keys are
    /// `variants/<id>/<name>.<ext>`; a reprocessed image's are `variants/<id>/r<generation>/…`, so
    /// a late writer from an older generation can never overwrite, or clean up, a newer one's.
    public static func variant(id: String, generation: Int = 1, name: String, fileExtension: String) -> String {
        generation <= 1 ? "variants/\(id)/\(name).\(fileExtension)" : "variants/\(id)/r\(generation)/\(name).\(fileExtension)"
    }

    /// Every blob of an image shares one of these prefixes.
    public static func prefixes(id: String) -> [String] {
        ["originals/\(id)/", "variants/\(id)/"]
    }

    /// Keys are relative paths of plain segments; anything that could escape a root folder or
    /// prefix (`..`, absolute paths, empty segments) is refused.
    public static func validate(_ key: String) throws {
        guard !key.isEmpty, RelativePath.staysInside(key) else { throw BlobKeyError(key: key) }
    }

    /// Letters, digits, '.', '-' and '_' kept; anything else becomes '_'; no leading dots; at most
    /// 100 characters; never empty.
    public static func safeName(_ filename: String) -> String {
        let last = filename.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var name = String(
            last.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
                    ? Character(scalar) : "_"
            })
        while name.hasPrefix(".") { name.removeFirst() }
        if name.count > 100 { name = String(name.suffix(100)) }
        return name.isEmpty ? "upload" : name
    }
}

/// A blob key that is not a safe relative path.
public struct BlobKeyError: Error, CustomStringConvertible {
    public var key: String

    public init(key: String) { self.key = key }

    public var description: String { "'\(key)' is not a valid blob key" }
}
