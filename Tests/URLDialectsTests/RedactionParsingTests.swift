import Foundation
import Imaging
import Pipeline
import Testing

@testable import URLDialects

/// The face and region options of both dialects, and what each becomes.
@Suite struct RedactionParsingTests {
    let imgproxy = ImgproxyDialect(settings: .init(allowUnsigned: true))
    let thumbor = ThumborDialect(settings: .init(allowUnsigned: true))

    func imgproxySpec(_ options: String) throws -> TransformSpec {
        try imgproxy.parse("/insecure/\(options)/plain/photos/a.jpg").spec
    }

    func thumborSpec(_ options: String) throws -> TransformSpec {
        try thumbor.parse("/unsafe/\(options)/photos/a.jpg").request.spec
    }

    @Test func blurDetectionsAsImgproxyProSpellsIt() throws {
        for options in ["bd:12:face", "blur_detections:12", "rs:fit:300:300/bd:12:face"] {
            let spec = try imgproxySpec(options)
            #expect(spec.redactions == [Redaction(faces: true, manual: true, mode: .blur(sigma: 12))], "\(options)")
            #expect(spec.usesRegions)
        }
        #expect(try imgproxySpec("bd:12:face/bd:0").redactions == nil, "sigma 0 turns it off, as a later option wins")
        #expect(try imgproxySpec("ba:5:0.1:0.1:0.2:0.2/bd:12/bd:0").redactions?.count == 1, "bd:0 keeps the areas")
        #expect(try imgproxySpec("bd:12/pxd:8").redactions == [Redaction(mode: .pixelate(block: 8))], "the later detection option wins")
    }

    @Test func pixelateDetectionsIsDarkroomsOwnNotImgproxysPadding() throws {
        #expect(try imgproxySpec("pixelate_detections:10:face").redactions == [Redaction(mode: .pixelate(block: 10))])
        #expect(try imgproxySpec("pxd:10").redactions == [Redaction(mode: .pixelate(block: 10))])
        #expect(throws: DialectError.self) { try imgproxySpec("pd:10") }
    }

    @Test func blurAreasTakeFractionalBoxes() throws {
        let spec = try imgproxySpec("ba:8:0.1:0.2:0.3:0.25:0.5:0.5:0.2:0.2")
        let redaction = try #require(spec.redactions?.first)
        #expect(redaction.faces == false && redaction.manual == false && redaction.mode == .blur(sigma: 8))
        #expect(
            redaction.areas == [
                Region(x: 0.1, y: 0.2, width: 0.3, height: 0.25, kind: .manual), Region(x: 0.5, y: 0.5, width: 0.2, height: 0.2, kind: .manual),
            ])
    }

    @Test(arguments: ["ba:8:0.1:0.2:0.3", "ba:8:0.9:0.2:0.3:0.25", "ba:8:0.1:0.2:-0.3:0.25", "ba:8:a:0.2:0.3:0.25", "bd:5:car", "g:obj:dog"])
    func badDetectionOptionsAreRefused(_ options: String) {
        #expect(throws: DialectError.self) { try imgproxySpec(options) }
    }

    @Test func objectGravityIsTheFacesGravity() throws {
        #expect(try imgproxySpec("rs:fill:300:200/g:obj:face").resize?.gravity == .faces)
        #expect(try imgproxySpec("rs:fill:300:200/g:obj").resize?.gravity == .faces)
        #expect(try imgproxySpec("c:200:200:obj:face").usesRegions)
    }

    @Test func thumborRedactAsImagorSpellsIt() throws {
        #expect(try thumborSpec("filters:redact(pixelate,16)").redactions == [Redaction(mode: .pixelate(block: 16))])
        #expect(try thumborSpec("filters:redact(blur,25)").redactions == [Redaction(mode: .blur(sigma: 25))])
        #expect(try thumborSpec("filters:redact(black)").redactions == [Redaction(mode: .fill(.black))])
        #expect(try thumborSpec("filters:redact(fill,ff0000)").redactions == [Redaction(mode: .fill(RGBColor(red: 255, green: 0, blue: 0)))])
        #expect(try thumborSpec("filters:redact()").redactions == [Redaction()])
        #expect(throws: DialectError.self) { try thumborSpec("filters:redact(melt)") }
        #expect(throws: DialectError.self) { try thumborSpec("filters:redact(pixelate,1)") }
    }

    @Test func thumborSmartCentresOnFaces() throws {
        #expect(try thumborSpec("300x200/smart").resize?.gravity == .faces)
        #expect(try thumborSpec("300x200").resize?.gravity == .centre)
    }
}
