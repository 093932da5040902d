import Foundation
import Pipeline
import Testing

@testable import URLDialects

@Suite struct RecipeDialectTests {
    let signer = URLSigner(key: Array("secret".utf8), lifetime: 60)
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func dialect(signed: Bool) -> RecipeDialect {
        RecipeDialect(signer: signed ? signer : nil) { recipe, variant in recipe == "default" && variant == "thumbnail" }
    }

    /// The query of a URL `URLSigner` signed, as the API hands it out.
    func query(_ path: String) -> (expires: String?, signature: String?) {
        let signed = signer.sign(RecipeDialect.mount + path, now: now)
        let items = URLComponents(string: "http://h" + signed)?.queryItems ?? []
        return (items.first { $0.name == "expires" }?.value, items.first { $0.name == "signature" }?.value)
    }

    @Test func aStoredImageOrAPathBecomesTheVariantOfARecipe() throws {
        let stored = try dialect(signed: false).parse("/default/thumbnail/\(ImageID.generate())", expires: nil, signature: nil)
        guard case .stored = stored.source else {
            Issue.record("an id is a stored image: \(stored.source)")
            return
        }
        #expect(stored.spec.variantOf == .init(recipe: "default", variant: "thumbnail"))
        let path = try dialect(signed: false).parse("/default/thumbnail/photos%2Fa.jpg", expires: nil, signature: nil)
        #expect(path.source == .path("photos/a.jpg"))
    }

    @Test func aSignedDialectTakesOnlyItsOwnLiveSignatures() throws {
        let path = "/default/thumbnail/photos/a.jpg"
        let (expires, signature) = query(path)
        #expect(throws: Never.self) { try dialect(signed: true).parse(path, expires: expires, signature: signature, now: now) }
        let refusals: [(String, String?, String?, Date)] = [
            (path, nil, nil, now),  // no signature
            (path, expires, signature, now.addingTimeInterval(61)),  // expired
            ("/default/thumbnail/photos/b.jpg", expires, signature, now),  // another path
            (path, expires, String(repeating: "0", count: 64), now),  // forged
        ]
        for (path, expires, signature, at) in refusals {
            #expect(throws: DialectError.self) { try dialect(signed: true).parse(path, expires: expires, signature: signature, now: at) }
        }
    }

    @Test func malformedURLsAndUnknownVariantsAreRefusedWithAReason() {
        for path in ["/default/thumbnail", "/default", "/", "/default/thumbnail/", "/default/huge/photos/a.jpg", "/other/thumbnail/a.jpg"] {
            #expect(throws: DialectError.self, "\(path)") { try dialect(signed: false).parse(path, expires: nil, signature: nil) }
        }
        let escaping = "/default/thumbnail/photos%2F..%2Fetc%2Fpasswd"
        #expect(throws: DialectError.self) { try dialect(signed: false).parse(escaping, expires: nil, signature: nil) }
    }
}
