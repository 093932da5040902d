import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Composition
@testable import Server

/// Every kind of bad upload gets its status and a JSON error, and leaves no record and no file.
@Suite(.timeLimit(.minutes(10))) struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var uri = "/api/images"
        var contentType: String
        var body: [UInt8]
        var status: HTTPResponse.Status
        var code: String
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        let photo = (try? ServerFixture.photo(width: 200, height: 100)) ?? []
        let bomb: [UInt8] =
            Array("GIF89a".utf8) + [
                0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0, 0, 0, 0, 0, 255, 255, 255, 0x2C, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 2, 2, 0x44, 1, 0, 0x3B,
            ]
        return [
            Case(
                name: "not an image", contentType: "image/png", body: Array("hello, world".utf8), status: .unsupportedMediaType,
                code: "unsupported_format"),
            Case(
                name: "SVG", contentType: "image/svg+xml", body: Array("<svg xmlns='http://www.w3.org/2000/svg'/>".utf8),
                status: .unsupportedMediaType, code: "unsupported_format"),
            Case(name: "empty body", contentType: "image/jpeg", body: [], status: .badRequest, code: "empty_input"),
            Case(
                name: "truncated header", contentType: "image/jpeg", body: Array(photo.prefix(20)), status: .unprocessableContent,
                code: "corrupt_image"),
            Case(
                name: "JPEG cut short in its scan data", contentType: "image/jpeg", body: Array(photo.prefix(photo.count * 2 / 3)),
                status: .unprocessableContent, code: "corrupt_image"),
            Case(name: "pixel bomb", contentType: "image/gif", body: bomb, status: .unprocessableContent, code: "too_many_pixels"),
            Case(
                name: "bad base64", contentType: "text/plain", body: Array("%%% not base64 %%%".utf8), status: .unprocessableContent,
                code: "invalid_base64"),
            Case(name: "bad JSON", contentType: "application/json", body: Array("{\"data\": ".utf8), status: .badRequest, code: "bad_request"),
            Case(
                name: "JSON without data", contentType: "application/json", body: Array("{\"filename\": \"a\"}".utf8), status: .badRequest,
                code: "bad_request"),
            Case(
                name: "multipart without boundary", contentType: "multipart/form-data", body: Array("x".utf8), status: .badRequest,
                code: "bad_request"),
            Case(
                name: "malformed multipart", contentType: "multipart/form-data; boundary=abc", body: Array("--abc\r\nno end".utf8),
                status: .badRequest, code: "bad_request"),
            Case(
                name: "multipart without a file field", contentType: "multipart/form-data; boundary=abc",
                body: Array("--abc\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--abc--\r\n".utf8), status: .badRequest,
                code: "bad_request"),
            Case(
                name: "unknown recipe", uri: "/api/images?recipe=sepia", contentType: "image/jpeg", body: photo, status: .unprocessableContent,
                code: "unknown_recipe"),
            Case(
                name: "wrong framing type", contentType: "application/xml", body: photo, status: .unsupportedMediaType, code: "unsupported_media_type"
            ),
        ]
    }()

    @Test(arguments: cases)
    func badUploadsAreRefusedCleanly(_ bad: Case) async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let response = try await client.execute(
                uri: bad.uri, method: .post, headers: [.contentType: bad.contentType], body: ByteBuffer(bytes: bad.body))
            #expect(response.status == bad.status)
            #expect(response.headers[.contentType] == "application/json")
            let error = try #require(try ServerFixture.json(response)["error"] as? [String: Any])
            #expect(error["code"] as? String == bad.code)
            #expect((error["message"] as? String)?.isEmpty == false)
            let list = try ServerFixture.json(try await client.execute(uri: "/api/images", method: .get))
            #expect((list["images"] as? [Any])?.isEmpty == true, "no record is left behind")
        }
        #expect(fixture.blobFiles().isEmpty, "no file is left behind")
    }

    @Test func aBadFileAmongGoodOnesRefusesTheWholeUpload() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let response = try await client.execute(
                uri: "/api/images", method: .post, headers: [.contentType: "multipart/form-data; boundary=DarkroomBoundary42"],
                body: ServerFixture.multipart([("good.jpg", try ServerFixture.photo(width: 50, height: 50)), ("bad.jpg", Array("nope".utf8))]))
            #expect(response.status == .unsupportedMediaType)
        }
        #expect(fixture.blobFiles().isEmpty)
    }

    @Test func oversizedUploadsGet413() async throws {
        let fixture = try await ServerFixture { $0.limits.maxFileBytes = 5_000 }
        let photo = try ServerFixture.photo(width: 400, height: 300)
        try await fixture.test { client in
            // Over the file limit but within the request limit: refused by the file size check.
            let response = try await client.execute(
                uri: "/api/images", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: photo))
            #expect(response.status == .contentTooLarge)
            let error = try ServerFixture.json(response)["error"] as? [String: Any]
            #expect(error?["code"] as? String == "file_too_large")
            // Over the request limit: refused from Content-Length before the body is read.
            let huge = try await client.execute(
                uri: "/api/images", method: .post, headers: [.contentType: "image/jpeg", .contentLength: "999999999"], body: ByteBuffer(bytes: photo))
            #expect(huge.status == .contentTooLarge)
        }
        #expect(fixture.blobFiles().isEmpty)
    }

    @Test func aFullQueueAnswers503WithRetryAfter() async throws {
        let fixture = try await ServerFixture { $0.maxQueueDepth = 1 }
        let photo = try ServerFixture.photo(width: 40, height: 30)
        try await fixture.test { client in
            #expect(
                try await client.execute(uri: "/api/images", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: photo))
                    .status == .accepted)
            let full = try await client.execute(
                uri: "/api/images", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: photo))
            #expect(full.status == .serviceUnavailable && full.headers[.retryAfter] != nil)
        }
    }

    @Test(arguments: ["/api/images/not-an-id", "/api/images/01m7yj88gxxmxx1r4dtw6w3eg0", "/api/images/01m7yj88gxxmxx1r4dtw6w3eg0/original"])
    func unknownIDsAre404(uri: String) async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let response = try await client.execute(uri: uri, method: .get)
            #expect(response.status == .notFound)
            let error = try ServerFixture.json(response)["error"] as? [String: Any]
            #expect(error?["code"] as? String == "not_found")
        }
    }

    @Test(arguments: ["/api/images?status=DONE", "/api/images?limit=0", "/api/images?limit=abc", "/api/images?cursor=../../x"])
    func badListQueriesAre400(uri: String) async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let response = try await client.execute(uri: uri, method: .get)
            #expect(response.status == .badRequest)
        }
    }
}

/// The multipart scan's byte search, against the naive one, on the cases that trip searches up.
@Suite(.timeLimit(.minutes(10))) struct MultipartFindTests {
    @Test func findsWhatANaiveSearchFinds() {
        let needle = Array("\r\n--b".utf8)
        var random = SystemRandomNumberGenerator()
        var cases: [[UInt8]] = [[], needle, Array("x\r\n--\r\n--b".utf8), Array("\r\n--\r\n-".utf8), Array("abc\r\n--b\r\n--b".utf8)]
        for _ in 0..<200 {
            // Mostly the needle's own bytes, so partial matches are everywhere.
            cases.append((0..<Int.random(in: 0...40, using: &random)).map { _ in needle.randomElement(using: &random)! })
        }
        for body in cases {
            for start in 0...body.count {
                let naive = body[start...].firstRange(of: needle)
                #expect(MultipartForm.find(needle, in: body, from: start) == naive, "\(body) from \(start)")
            }
        }
    }
}
