import Foundation
import Testing

@testable import URLDialects

/// Signature vectors published by each project (and by independent client libraries), plus
/// rotation and truncation.
@Suite struct SignatureVectorTests {
    // imgproxy's documentation: key "secret", salt "hello", in hex.
    let documented = try! ImgproxySigner(keys: "736563726574", salts: "68656c6c6f")

    @Test func imgproxyMatchesItsDocumentedExample() {
        let path = "/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png"
        #expect(documented.sign(path) == "oKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH8")
        #expect(documented.verify("oKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH8", path: path))
        // The same source unsplit, as accepted by a real imgproxy 4 server.
        #expect(
            documented.sign("/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1wbGUuY29tL2ltYWdlL2N1cmlvc2l0eS5qcGc")
                == "Jn6kyi5kKLc44Okrcpq9aNRTu6XHNExAr2L-K7lln1E")
    }

    @Test func imgproxyRefusesATamperedPathOrSignature() {
        let path = "/rs:fill:300:400:0/plain/local:///a.jpg"
        let signature = documented.sign(path)
        #expect(!documented.verify(signature, path: "/rs:fill:301:400:0/plain/local:///a.jpg"))
        #expect(!documented.verify(String(signature.dropLast()) + "A", path: path))
        #expect(!documented.verify("not base64!", path: path))
        #expect(!documented.verify("", path: path))
    }

    @Test func imgproxyAcceptsAnyConfiguredPairAndSignsWithTheFirst() throws {
        let rotated = try ImgproxySigner(keys: "aa11, 736563726574", salts: "bb22,68656c6c6f")
        let path = "/w:100/plain/local:///a.jpg"
        #expect(rotated.verify(documented.sign(path), path: path))
        #expect(rotated.sign(path) != documented.sign(path))
        #expect(rotated.verify(rotated.sign(path), path: path))
    }

    @Test func imgproxyTruncatedSignaturesKeepTheirFirstBytes() throws {
        let short = try ImgproxySigner(keys: "736563726574", salts: "68656c6c6f", size: 8)
        let path = "/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png"
        // The first 8 bytes of the full digest, unpadded.
        let full = Data(base64Encoded: "oKfUtW34Dvo2BGQehJFR4Nr0/rIjOtdtzJ3QFsUcXH8=")!
        let expected = Data(full.prefix(8)).base64EncodedString().replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
        #expect(short.sign(path) == expected)
        #expect(short.verify(expected, path: path))
        #expect(!short.verify(documented.sign(path), path: path))
    }

    @Test func imgproxyRefusesBadKeyConfiguration() {
        #expect(throws: DialectError.self) { try ImgproxySigner(keys: "zz", salts: "00") }
        #expect(throws: DialectError.self) { try ImgproxySigner(keys: "aa,bb", salts: "00") }
        #expect(throws: DialectError.self) { try ImgproxySigner(keys: "", salts: "") }
        #expect(throws: DialectError.self) { try ImgproxySigner(keys: "aa", salts: "bb", size: 33) }
    }

    /// thumbor_client's and thumbox's published examples (HMAC-SHA1, padded URL-safe base64).
    @Test(arguments: [
        ("123", "500/500/image.jpg", "VMKhXMULBn4h1UC52W3YliEgFfg="),
        ("123", "200x200/my-image.jpg", "gliOovhxLB8RGXinV2YT_W607lw="),
        ("123", "500x400/smart/image.jpg", "rFZk5DrMK2hKAwVMJU4O4ZYDpeI="),
        ("secret", "100x100/app.com/uploads/image.jpg", "-fACxLAC_MbZ_JHxm0-tLYrHM2Y="),
    ])
    func thumborMatchesPublishedExamples(key: String, path: String, signature: String) {
        let signer = ThumborSigner(securityKey: key)
        #expect(signer.sign(path) == signature)
        #expect(signer.verify(signature, path: path))
        #expect(!signer.verify(signature, path: path + "x"))
        #expect(signature.count == 28)
    }
}
