import Foundation
import Imaging
import Pipeline
import Testing

@testable import URLDialects

/// thumbor URLs written from its documentation, and what each becomes.
@Suite struct ThumborParsingTests {
    let open = ThumborDialect(settings: .init(allowUnsigned: true))

    func parse(_ path: String) throws -> ThumborRequest { try open.parse(path) }

    @Test func theDocumentedFullForm() throws {
        let parsed = try parse("/unsafe/10x20:310x220/fit-in/-300x200/left/top/smart/filters:grayscale():quality(70)/photos/a.jpg")
        let spec = parsed.request.spec
        #expect(spec.crop == .region(left: 10, top: 20, width: 300, height: 200))
        #expect(spec.resize == TransformSpec.Scale(width: 300, height: 200, fit: .inside))
        #expect(spec.flipHorizontal && !spec.flipVertical)
        #expect(spec.grayscale)
        #expect(spec.quality == 70)
        #expect(parsed.request.source == .path("photos/a.jpg"))
    }

    @Test(arguments: [
        ("300x200", TransformSpec.Scale(width: 300, height: 200, fit: .cover, upscale: true)),
        ("300x0", TransformSpec.Scale(width: 300, height: nil, fit: .inside, upscale: true)),
        ("x200", TransformSpec.Scale(width: nil, height: 200, fit: .inside, upscale: true)),
        ("fit-in/300x200", TransformSpec.Scale(width: 300, height: 200, fit: .inside)),
        ("full-fit-in/300x200", TransformSpec.Scale(width: 300, height: 200, fit: .outside)),
        ("adaptive-fit-in/300x200", TransformSpec.Scale(width: 300, height: 200, fit: .inside, adaptive: true)),
        ("300x200/right/bottom", TransformSpec.Scale(width: 300, height: 200, fit: .cover, gravity: .southEast, upscale: true)),
        ("300x200/top", TransformSpec.Scale(width: 300, height: 200, fit: .cover, gravity: .north, upscale: true)),
        ("300x200/smart", TransformSpec.Scale(width: 300, height: 200, fit: .cover, gravity: .faces, upscale: true)),
        ("300x200/filters:no_upscale()", TransformSpec.Scale(width: 300, height: 200, fit: .cover)),
        ("fit-in/300x200/filters:upscale()", TransformSpec.Scale(width: 300, height: 200, fit: .inside, upscale: true)),
    ])
    func sizes(options: String, expected: TransformSpec.Scale) throws {
        #expect(try parse("/unsafe/\(options)/a.jpg").request.spec.resize == expected)
    }

    @Test func flipsWithoutResize() throws {
        let spec = try parse("/unsafe/-0x-0/a.jpg").request.spec
        #expect(spec.flipHorizontal && spec.flipVertical)
        #expect(spec.resize == nil)
    }

    @Test func filters() throws {
        let parsed = try parse(
            "/unsafe/filters:format(webp):blur(3):sharpen(1,2,true):strip_exif():strip_icc():max_age(60):fill(00ff00):rotate(180):round_corner(20)/a.jpg"
        )
        let spec = parsed.request.spec
        #expect(spec.format == .webp)
        #expect(spec.blur == 3)
        #expect(spec.sharpen == 2)
        #expect(spec.background == RGBColor(red: 0, green: 255, blue: 0))
        #expect(spec.rotate == 180)
        // thumbor turns counter-clockwise.
        #expect(try parse("/unsafe/filters:rotate(90)/a.jpg").request.spec.rotate == 270)
        #expect(parsed.request.delivery.maxAge == 60)
        #expect(parsed.request.ignored == ["round_corner"])
    }

    @Test func watermarkFilterKeepsItsSourceForTheServer() throws {
        let parsed = try parse("/unsafe/filters:watermark(logos/logo.png,-10,-10,50,25)/a.jpg")
        #expect(parsed.watermarkSource == .path("logos/logo.png"))
        #expect(parsed.request.spec.watermark == TransformSpec.Watermark(path: "", opacity: 0.5, position: .southEast, scale: 0.25, margin: 10))
    }

    @Test func remoteAndStoredSources() throws {
        #expect(try parse("/unsafe/300x200/http%3A%2F%2Fexample.com%2Fa.jpg").request.source == .remote(URL(string: "http://example.com/a.jpg")!))
        #expect(try parse("/unsafe/https://example.com/a.jpg").request.source == .remote(URL(string: "https://example.com/a.jpg")!))
    }

    @Test(arguments: [
        "/unsafe/300x200/../etc/passwd",
        "/unsafe/300x200/a/%2E%2E/%2E%2E/etc/passwd",
        "/unsafe/300x200/",
    ])
    func traversalIsRefused(path: String) {
        #expect(throws: DialectError.self) { try parse(path) }
    }

    @Test(arguments: [
        "/unsafe/filters:blur(500)/a.jpg",
        "/unsafe/filters:format(bmp)/a.jpg",
        "/unsafe/filters:quality(x)/a.jpg",
        "/unsafe/filters:grayscale(/a.jpg",
        "/unsafe/meta/meta/300x200/a.jpg",
        "/unsafe/trim/300x200/a.jpg",
    ])
    func malformedFiltersAreRefused(path: String) {
        #expect(throws: DialectError.self) { try parse(path) }
    }

    @Test func signedURLs() throws {
        let signer = ThumborSigner(securityKey: "MY_SECURE_KEY")
        let strict = ThumborDialect(settings: .init(signer: signer))
        let path = "300x200/smart/photos%2Fa.jpg"
        #expect(try strict.parse("/\(signer.sign(path))/\(path)").request.source == .path("photos/a.jpg"))
        #expect(throws: DialectError.self) { try strict.parse("/\(signer.sign(path))/301x200/smart/photos%2Fa.jpg") }
        do {
            _ = try strict.parse("/unsafe/\(path)")
            Issue.record("unsafe accepted")
        } catch let error as DialectError {
            #expect(error.kind == .unsigned)
        }
    }
}
