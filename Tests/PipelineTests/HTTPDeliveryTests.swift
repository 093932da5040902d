import Testing

@testable import Pipeline

/// The one `If-None-Match` and `Content-Disposition` rule the API, the web UI and on-the-fly
/// answers share (they once had three comparisons: strong only, weak, and string equality).
@Suite struct HTTPDeliveryTests {
    @Test func ifNoneMatchComparesWeaklyAndReadsLists() {
        let etag = "\"abc\""
        #expect(HTTPDelivery.ifNoneMatch("\"abc\"", matches: etag))
        #expect(HTTPDelivery.ifNoneMatch("W/\"abc\"", matches: etag), "a proxy's weakened tag still matches")
        #expect(HTTPDelivery.ifNoneMatch("\"x\", W/\"abc\"", matches: etag))
        #expect(HTTPDelivery.ifNoneMatch(" * ", matches: etag))
        #expect(!HTTPDelivery.ifNoneMatch("\"abcd\"", matches: etag))
        #expect(!HTTPDelivery.ifNoneMatch("abc", matches: etag), "an unquoted value is another tag")
        #expect(!HTTPDelivery.ifNoneMatch("", matches: etag))
        #expect(!HTTPDelivery.ifNoneMatch(nil, matches: etag))
    }

    @Test func contentDispositionCannotBeSplitOrSpoofed() {
        #expect(HTTPDelivery.contentDisposition("a.jpg") == "inline; filename=\"a.jpg\"; filename*=UTF-8''a.jpg")
        #expect(HTTPDelivery.contentDisposition("a.jpg", attachment: true).hasPrefix("attachment; filename=\"a.jpg\""))
        let hostile = HTTPDelivery.contentDisposition("x\".jpg\r\nSet-Cookie: a=b\\é")
        #expect(!hostile.contains("\r") && !hostile.contains("\n"))
        #expect(hostile.hasPrefix("inline; filename=\"x_.jpg__Set-Cookie: a=b__\";"), "\(hostile)")
        #expect(hostile.hasSuffix("filename*=UTF-8''x%22.jpg%0D%0ASet-Cookie%3A%20a%3Db%5C%C3%A9"), "\(hostile)")
    }
}
