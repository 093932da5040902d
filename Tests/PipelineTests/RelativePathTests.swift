import Testing

@testable import Pipeline

/// The one containment rule blob keys, dropped files, source paths, S3 prefixes and allow-listed
/// URL paths share (it was written five times, two of which let `.` through).
@Suite struct RelativePathTests {
    @Test(arguments: ["a.jpg", "photos/2026/a.jpg", "..a/b..", "a/.hidden", "café/ü.png"])
    func plainRelativePathsStayInside(_ path: String) {
        #expect(RelativePath.staysInside(path))
    }

    @Test(arguments: ["/etc/passwd", "../a", "a/../../b", "a/./b", ".", "..", "a/..", "a//b", "a/", "a\0b"])
    func anythingThatCouldClimbOutIsRefused(_ path: String) {
        #expect(!RelativePath.staysInside(path))
        #expect(throws: BlobKeyError.self) { try BlobKeys.validate(path) }
    }

    @Test func prefixesMayEndWithASlash() {
        #expect(RelativePath.staysInside("incoming/", allowingEmptySegments: true))
        #expect(!RelativePath.staysInside("incoming/../x/", allowingEmptySegments: true))
    }
}
