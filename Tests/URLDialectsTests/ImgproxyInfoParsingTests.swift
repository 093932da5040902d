import Foundation
import Testing

@testable import URLDialects

/// imgproxy's `/info` options, as its documentation writes them.
@Suite struct ImgproxyInfoParsingTests {
    let open = ImgproxyDialect(settings: .init(allowUnsigned: true))

    @Test func defaultsAreImgproxysAndTheSlowOptionsAreOff() throws {
        let info = try open.parseInfo("/insecure/plain/local:///a.jpg")
        #expect(info.source == .path("a.jpg"))
        #expect(info.size && info.format && info.dimensions && info.exif && !info.exifCanonicalNames)
        #expect(!info.needsPixels && info.hashsums.isEmpty && info.blurhash == nil)
    }

    @Test func everyOptionDarkroomAnswers() throws {
        let info = try open.parseInfo(
            "/insecure/s:0/f:false/d:t/exif:1:1/pn:1/a:1/cs:1/sf:1/avg:1/dc:1/bh:5:4/th:1/chs:sha256:md5:sha256/pg:0/cb:v2/plain/a.jpg")
        #expect(!info.size && !info.format && info.dimensions && info.exifCanonicalNames)
        #expect(info.pagesNumber && info.alpha && info.colorspace && info.sampleFormat && info.average && info.dominantColors && info.thumbHash)
        #expect(info.blurhash.map { [$0.x, $0.y] } == [5, 4])
        #expect(info.hashsums == ["sha256", "md5"])
        #expect(info.cacheBuster == "v2")
        #expect(info.needsPixels)
    }

    @Test func theCacheMaterialSeparatesEveryAnswer() throws {
        let a = try open.parseInfo("/insecure/bh:4:3/plain/a.jpg")
        let b = try open.parseInfo("/insecure/bh:3:4/plain/a.jpg")
        let c = try open.parseInfo("/insecure/bh:4:3/th:1/plain/a.jpg")
        #expect(Set([a.cacheMaterial, b.cacheMaterial, c.cacheMaterial]).count == 3)
    }

    @Test(arguments: [
        "/insecure/bh:10:3/plain/a.jpg",
        "/insecure/bh:4/plain/a.jpg",
        "/insecure/bh:x:3/plain/a.jpg",
        "/insecure/chs:crc32/plain/a.jpg",
        "/insecure/pg:2/plain/a.jpg",
        "/insecure/iptc:1/plain/a.jpg",
        "/insecure/do:1/plain/a.jpg",
        "/insecure/a:1:1/plain/a.jpg",
        "/insecure/avg:1:0/plain/a.jpg",
        "/insecure/rs:fit:10:10/plain/a.jpg",
        "/insecure/s:maybe/plain/a.jpg",
        "/insecure/plain/a.jpg@webp",
        "/insecure/exp:1/plain/a.jpg",
        "/insecure/plain/../etc/passwd",
    ])
    func malformedOrUnsupportedOptionsAreRefusedWithAReason(path: String) {
        #expect(throws: DialectError.self) { try open.parseInfo(path) }
    }

    @Test func optionsSwitchedOffAreAccepted() throws {
        #expect(throws: Never.self) { try open.parseInfo("/insecure/iptc:0/xmp:f/vm:false/do:0/plain/a.jpg") }
    }

    @Test func theSignatureCoversThePathAfterIt() throws {
        let signer = try ImgproxySigner(keys: "736563726574", salts: "68656c6c6f", size: 32)
        let strict = ImgproxyDialect(settings: .init(signer: signer))
        let path = "/bh:4:3/plain/local:///a.jpg"
        #expect(try strict.parseInfo("/\(signer.sign(path))\(path)").blurhash != nil)
        #expect(throws: DialectError.self) { try strict.parseInfo("/\(signer.sign(path))/bh:4:4/plain/local:///a.jpg") }
        #expect(throws: DialectError.self) { try strict.parseInfo("/insecure\(path)") }
    }
}
