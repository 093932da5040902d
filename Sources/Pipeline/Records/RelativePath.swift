/// The one rule for a path or key that must stay inside a root folder or a prefix: blob keys,
/// dropped files, on-the-fly source paths, S3 prefixes and allow-listed URL paths.
public enum RelativePath {
    /// True when `path` is relative and no segment is `.` or `..` (nor, unless allowed, empty),
    /// and it holds no NUL: nothing in it can climb out, and nothing is resolved, only refused.
    public static func staysInside(_ path: some StringProtocol, allowingEmptySegments: Bool = false) -> Bool {
        guard !path.hasPrefix("/"), !path.contains("\0") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { segment in
            segment != "." && segment != ".." && (allowingEmptySegments || !segment.isEmpty)
        }
    }
}
