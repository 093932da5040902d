import Foundation
import Imaging
import Pipeline
import Testing

@testable import URLDialects

/// imgproxy URLs written from its documentation, and what each becomes.
@Suite struct ImgproxyParsingTests {
    let open = ImgproxyDialect(settings: .init(allowUnsigned: true, presets: ["thumb": ["rs:fill:100:100", "q:70"]], watermarkPath: "/wm.png"))

    func parse(_ path: String) throws -> TransformRequest { try open.parse(path) }

    @Test func plainSourceWithExtension() throws {
        let request = try parse("/insecure/rs:fill:300:400:0/g:sm/plain/local:///photos/a.jpg@webp")
        #expect(request.source == .path("photos/a.jpg"))
        #expect(request.spec.resize == TransformSpec.Scale(width: 300, height: 400, fit: .cover, gravity: .smart))
        #expect(request.spec.format == .webp)
    }

    @Test func base64SourceSplitBySlashes() throws {
        let request = try parse("/insecure/rs:fit:300:300/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png")
        #expect(request.source == .remote(URL(string: "http://example.com/images/curiosity.jpg")!))
        #expect(request.spec.format == .png)
        #expect(request.spec.resize?.fit == .inside)
    }

    @Test(arguments: [
        ("rs:fit:300:200", TransformSpec.Scale(width: 300, height: 200, fit: .inside)),
        ("resize:fill:300:200:1", TransformSpec.Scale(width: 300, height: 200, fit: .cover, upscale: true)),
        ("rs:force:300:200", TransformSpec.Scale(width: 300, height: 200, fit: .fill)),
        ("rs:fill-down:300:200:1", TransformSpec.Scale(width: 300, height: 200, fit: .cover)),
        ("rs:auto:300:200", TransformSpec.Scale(width: 300, height: 200, fit: .inside, auto: true)),
        ("s:300:0", TransformSpec.Scale(width: 300, height: nil, fit: .inside)),
        ("size:0:200:t", TransformSpec.Scale(width: nil, height: 200, fit: .inside, upscale: true)),
        ("w:300/h:200/rt:fill/el:1", TransformSpec.Scale(width: 300, height: 200, fit: .cover, upscale: true)),
        ("rs:fill:300:200/g:fp:0.25:0.75", TransformSpec.Scale(width: 300, height: 200, fit: .cover, focus: FocusPoint(x: 0.25, y: 0.75))),
        ("rs:fill:300:200/g:nowe", TransformSpec.Scale(width: 300, height: 200, fit: .cover, gravity: .northWest)),
        ("rs:fit:100:50/dpr:2", TransformSpec.Scale(width: 200, height: 100, fit: .inside)),
    ])
    func resizeOptions(options: String, expected: TransformSpec.Scale) throws {
        #expect(try parse("/insecure/\(options)/plain/a.jpg").spec.resize == expected)
    }

    @Test func effectOptionsAndAliases() throws {
        let spec = try parse("/insecure/bl:2/sh:0.5/pix:8/rot:90/fl:1:0/sm:0/q:70/f:png/bg:ff0000/plain/a.jpg").spec
        #expect(spec.blur == 2)
        #expect(spec.sharpen == 0.5)
        #expect(spec.pixelate == 8)
        #expect(spec.rotate == 90)
        #expect(spec.flipHorizontal && !spec.flipVertical)
        #expect(!spec.stripMetadata)
        #expect(spec.quality == 70)
        #expect(spec.format == .png)
        #expect(spec.background == RGBColor(red: 255, green: 0, blue: 0))
        #expect(try parse("/insecure/background:0:128:255/plain/a.jpg").spec.background == RGBColor(red: 0, green: 128, blue: 255))
        #expect(try parse("/insecure/ext:avif/plain/a.jpg").spec.format == .avif)
    }

    @Test func cropExtendAndWatermark() throws {
        let spec = try parse("/insecure/c:200:100:soea/rs:fit:300:300:0:1:no/wm:0.5:nowe:10:5:0.2/plain/a.jpg").spec
        #expect(spec.crop == .box(width: 200, height: 100, gravity: .southEast, focus: nil))
        #expect(spec.extend == .north)
        #expect(spec.watermark == TransformSpec.Watermark(path: "/wm.png", opacity: 0.5, position: .northWest, scale: 0.2, margin: 10))
        #expect(try parse("/insecure/ex:1/rs:fit:300:300/plain/a.jpg").spec.extend == .centre)
        // As in imgproxy, extend needs both sides; with one it does nothing.
        #expect(try parse("/insecure/ex:1/w:100/plain/a.jpg").spec.extend == nil)
    }

    @Test func deliveryOptions() throws {
        let request = try parse("/insecure/cb:v2/fn:holiday/att:1/exp:4102444800/plain/a.jpg")
        #expect(request.cacheBuster == "v2")
        #expect(request.delivery.filename == "holiday")
        #expect(request.delivery.attachment)
        #expect(request.delivery.expires == 4_102_444_800)
        #expect(try parse("/insecure/fn:aG9saWRheQ:1/plain/a.jpg").delivery.filename == "holiday")
    }

    @Test func presetsExpandInPlaceAndLaterOptionsWin() throws {
        let spec = try parse("/insecure/pr:thumb/q:90/plain/a.jpg").spec
        #expect(spec.resize == TransformSpec.Scale(width: 100, height: 100, fit: .cover))
        #expect(spec.quality == 90)
        let withDefault = ImgproxyDialect(settings: .init(allowUnsigned: true, presets: ["default": ["q:55"]]))
        #expect(try withDefault.parse("/insecure/plain/a.jpg").spec.quality == 55)
    }

    @Test(arguments: [
        "/insecure/zoom:2/plain/a.jpg",  // an option Darkroom does not support
        "/insecure/rs:squash:10:10/plain/a.jpg",
        "/insecure/w:-1/plain/a.jpg",
        "/insecure/w:abc/plain/a.jpg",
        "/insecure/bl:500/plain/a.jpg",  // outside OperationRules' blur range
        "/insecure/sh:50/plain/a.jpg",
        "/insecure/rot:45/plain/a.jpg",
        "/insecure/g:no:10:0/rs:fill:10:10/plain/a.jpg",  // offsets
        "/insecure/g:fp:2:0/plain/a.jpg",
        "/insecure/f:bmp/plain/a.jpg",
        "/insecure/plain/a.jpg@tiff",
        "/insecure/pr:missing/plain/a.jpg",
        "/insecure/el:maybe/plain/a.jpg",
        "/insecure/dpr:0/plain/a.jpg",
        "/insecure/q:101/plain/a.jpg",
        "/insecure/wm:0.5:re/plain/a.jpg",
    ])
    func refusedOptionsAreBadOptions(path: String) {
        #expect(throws: DialectError.self) { try parse(path) }
        #expect((try? parse(path)) == nil)
        do {
            _ = try parse(path)
        } catch let error as DialectError {
            #expect(error.kind == .badOption)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(arguments: [
        "/insecure/plain/../etc/passwd",
        "/insecure/plain/local:///photos/../../etc/passwd",
        "/insecure/plain/photos/%2e%2e/secret.jpg",
        "/insecure/plain/s3://bucket/a/../b.jpg",
        "/insecure/plain/ftp://example.com/a.jpg",
        "/insecure/plain/darkroom://not-an-id",
        "/insecure/rs:fit:10:10",
        "/insecure/!!!notbase64.jpg",
    ])
    func badSourcesAreRefusedBeforeAnythingIsRead(path: String) {
        do {
            _ = try parse(path)
            Issue.record("accepted \(path)")
        } catch let error as DialectError {
            #expect(error.kind == .badSource)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func sourcesOfEveryKind() throws {
        #expect(try parse("/insecure/plain/darkroom://01jd0000000000000000000000").source == .stored(id: "01jd0000000000000000000000"))
        #expect(try parse("/insecure/plain/s3://photos/2026/a.jpg").source == .object(bucket: "photos", key: "2026/a.jpg"))
        #expect(try parse("/insecure/plain/photos/a%20b.jpg").source == .path("photos/a b.jpg"))
    }

    @Test func signaturesAreCheckedBeforeOptions() throws {
        let signer = try ImgproxySigner(keys: "736563726574", salts: "68656c6c6f")
        let strict = ImgproxyDialect(settings: .init(signer: signer))
        let path = "/rs:fit:100:100/plain/a.jpg"
        #expect(try strict.parse("/\(signer.sign(path))\(path)").spec.resize?.width == 100)
        #expect(throws: DialectError.badSignature("the signature does not match")) { try strict.parse("/AAAA\(path)") }
        #expect(throws: DialectError.self) { try strict.parse("/insecure\(path)") }
        do {
            _ = try strict.parse("/insecure\(path)")
        } catch let error as DialectError {
            #expect(error.kind == .unsigned)
        }
        // A bad signature on an unknown option is still a bad signature (403, not 404).
        #expect(throws: DialectError.badSignature("the signature does not match")) { try strict.parse("/AAAA/zoom:3/plain/a.jpg") }
        // No keys and unsigned URLs off: nothing is accepted.
        #expect(throws: DialectError.self) { try ImgproxyDialect(settings: .init()).parse("/insecure\(path)") }
    }

    @Test func expiredURLsAreRefused() throws {
        let now = Date(timeIntervalSince1970: 2_000_000_000)
        #expect(throws: DialectError.expired("the URL expired at 1999999999")) {
            try open.parse("/insecure/exp:1999999999/plain/a.jpg", now: now)
        }
        #expect(try open.parse("/insecure/exp:2000000001/plain/a.jpg", now: now).delivery.expires == 2_000_000_001)
    }

    @Test func optionOrderDoesNotChangeTheCacheKeyMaterial() throws {
        let a = try parse("/insecure/q:80/rs:fill:100:100/bl:2/plain/a.jpg").spec
        let b = try parse("/insecure/bl:2/rs:fill:100:100/q:80/plain/a.jpg").spec
        #expect(a.canonicalJSON == b.canonicalJSON)
        #expect(a.canonicalJSON != (try parse("/insecure/bl:3/rs:fill:100:100/q:80/plain/a.jpg").spec.canonicalJSON))
    }
}
