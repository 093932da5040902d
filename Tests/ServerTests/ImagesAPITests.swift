import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Imaging
import Pipeline
import Testing

@testable import Composition
@testable import Server

@Suite(.timeLimit(.minutes(10))) struct ImagesAPITests {
    @Test func rawUploadIsAcceptedProcessedAndServed() async throws {
        let fixture = try await ServerFixture()
        let photo = try ServerFixture.photo()
        try await fixture.test { client in
            let upload = try await client.execute(
                uri: "/api/images?recipe=default", method: .post,
                headers: [.contentType: "image/jpeg", HTTPField.Name("X-Filename")!: "holiday.jpg"],
                body: ByteBuffer(bytes: photo))
            #expect(upload.status == .accepted)
            let accepted = try ServerFixture.json(upload)
            let id = try #require(accepted["id"] as? String)
            #expect(upload.headers[.location] == "/api/images/\(id)")
            #expect(accepted["status"] as? String == "PENDING" && accepted["filename"] as? String == "holiday.jpg")
            #expect(
                accepted["width"] as? Int == 1200 && accepted["bytes"] as? Int == photo.count && accepted["contentType"] as? String == "image/jpeg")

            try await fixture.drain()
            let image = try ServerFixture.json(try await client.execute(uri: "/api/images/\(id)", method: .get))
            #expect(image["status"] as? String == "COMPLETED" && image["attempts"] as? Int == 1 && image["completedAt"] != nil)
            let variants = try #require(image["variants"] as? [[String: Any]])
            #expect(variants.compactMap { $0["name"] as? String } == ["thumbnail", "medium", "large"])
            for variant in variants {
                let url = try #require(variant["url"] as? String)
                let response = try await client.execute(uri: url, method: .get)
                #expect(response.status == .ok && response.headers[.contentType] == "image/jpeg")
                let header = try ImageSource.open(Array(buffer: response.body)).header
                #expect(header.width == variant["width"] as? Int && header.height == variant["height"] as? Int)
                let etag = try #require(response.headers[.eTag])
                let cached = try await client.execute(uri: url, method: .get, headers: [.ifNoneMatch: etag])
                #expect(cached.status == .notModified && cached.body.readableBytes == 0)
            }
            let original = try await client.execute(uri: "/api/images/\(id)/original", method: .get)
            #expect(Array(buffer: original.body) == photo && original.headers[.eTag] == "\"\(ContentDigest.sha256Hex(photo))\"")
            #expect(try await client.execute(uri: "/api/images/\(id)/variants/nope", method: .get).status == .notFound)
        }
    }

    @Test func multipartBase64AndJSONUploadsAreAccepted() async throws {
        let fixture = try await ServerFixture()
        let photo = try ServerFixture.photo(width: 300, height: 200)
        let webp = try ServerFixture.photo(width: 200, height: 100, format: .webp)
        try await fixture.test { client in
            let multi = try await client.execute(
                uri: "/api/images?recipe=grayscale", method: .post, headers: [.contentType: "multipart/form-data; boundary=DarkroomBoundary42"],
                body: ServerFixture.multipart([("a.jpg", photo), ("b.webp", webp)]))
            #expect(multi.status == .accepted)
            let images = try #require(try ServerFixture.json(multi)["images"] as? [[String: Any]])
            #expect(images.compactMap { $0["filename"] as? String } == ["a.jpg", "b.webp"])
            #expect(images.compactMap { $0["recipe"] as? String } == ["grayscale", "grayscale"])

            let base64 = try await client.execute(
                uri: "/api/images", method: .post, headers: [.contentType: "text/plain", HTTPField.Name("X-Filename")!: "b64.webp"],
                body: ByteBuffer(string: Data(webp).base64EncodedString(options: .lineLength76Characters)))
            let base64Format = try ServerFixture.json(base64)["format"] as? String
            #expect(base64.status == .accepted && base64Format == "webp")

            let json = try await client.execute(
                uri: "/api/images", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{\"filename\": \"j.jpg\", \"data\": \"\(Data(photo).base64EncodedString())\"}"))
            let jsonName = try ServerFixture.json(json)["filename"] as? String
            #expect(json.status == .accepted && jsonName == "j.jpg")
            try await fixture.drain()
            let page = try ServerFixture.json(try await client.execute(uri: "/api/images?status=COMPLETED", method: .get))
            #expect((page["images"] as? [Any])?.count == 4)
        }
    }

    @Test func anIdempotencyKeyMakesARepeatedUploadReturnTheSameImage() async throws {
        let fixture = try await ServerFixture()
        let photo = try ServerFixture.photo(width: 60, height: 40)
        try await fixture.test { client in
            let headers: HTTPFields = [.contentType: "image/jpeg", HTTPField.Name("Idempotency-Key")!: "upload-7f3a"]
            let first = try await client.execute(uri: "/api/images", method: .post, headers: headers, body: ByteBuffer(bytes: photo))
            let again = try await client.execute(uri: "/api/images", method: .post, headers: headers, body: ByteBuffer(bytes: photo))
            #expect(first.status == .accepted && again.status == .accepted)
            let (a, b) = (try ServerFixture.json(first)["id"] as? String, try ServerFixture.json(again)["id"] as? String)
            #expect(a != nil && a == b)
            let list = try ServerFixture.json(try await client.execute(uri: "/api/images", method: .get))
            #expect((list["images"] as? [Any])?.count == 1)

            // A refused upload frees its key, so the client can retry with it.
            let badHeaders: HTTPFields = [.contentType: "image/jpeg", HTTPField.Name("Idempotency-Key")!: "upload-8b2c"]
            #expect(
                try await client.execute(uri: "/api/images", method: .post, headers: badHeaders, body: ByteBuffer(string: "nope")).status
                    == .unsupportedMediaType)
            #expect(
                try await client.execute(uri: "/api/images", method: .post, headers: badHeaders, body: ByteBuffer(bytes: photo)).status == .accepted)
            let tooLong: HTTPFields = [.contentType: "image/jpeg", HTTPField.Name("Idempotency-Key")!: String(repeating: "k", count: 300)]
            #expect(
                try await client.execute(uri: "/api/images", method: .post, headers: tooLong, body: ByteBuffer(bytes: photo)).status == .badRequest)
        }
    }

    @Test func listIsNewestFirstAndPaginates() async throws {
        let fixture = try await ServerFixture()
        let photo = try ServerFixture.photo(width: 40, height: 30)
        try await fixture.test { client in
            var ids: [String] = []
            for _ in 0..<3 {
                let response = try await client.execute(
                    uri: "/api/images", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: photo))
                ids.append(try #require(try ServerFixture.json(response)["id"] as? String))
            }
            let first = try ServerFixture.json(try await client.execute(uri: "/api/images?limit=2", method: .get))
            #expect((first["images"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[2], ids[1]])
            let cursor = try #require(first["nextCursor"] as? String)
            let second = try ServerFixture.json(try await client.execute(uri: "/api/images?limit=2&cursor=\(cursor)", method: .get))
            #expect((second["images"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[0]])
            #expect(second["nextCursor"] == nil)
        }
    }

    @Test func deleteRemovesTheRecordAndEveryBlob() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let upload = try await client.execute(
                uri: "/api/images", method: .post, headers: [.contentType: "image/jpeg"],
                body: ByteBuffer(bytes: try ServerFixture.photo(width: 200, height: 100)))
            let id = try #require(try ServerFixture.json(upload)["id"] as? String)
            try await fixture.drain()
            #expect(fixture.blobFiles().count == 4)
            #expect(try await client.execute(uri: "/api/images/\(id)", method: .delete).status == .noContent)
            #expect(fixture.blobFiles().isEmpty)
            #expect(try await client.execute(uri: "/api/images/\(id)", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/api/images/\(id)", method: .delete).status == .notFound)
        }
    }

    @Test func reprocessRunsAnotherRecipe() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let upload = try await client.execute(
                uri: "/api/images", method: .post, headers: [.contentType: "image/jpeg"],
                body: ByteBuffer(bytes: try ServerFixture.photo(width: 300, height: 200)))
            let id = try #require(try ServerFixture.json(upload)["id"] as? String)
            try await fixture.drain()
            let again = try await client.execute(uri: "/api/images/\(id)/reprocess?recipe=pixelate", method: .post)
            let againStatus = try ServerFixture.json(again)["status"] as? String
            #expect(again.status == .accepted && againStatus == "PENDING")
            #expect(try await client.execute(uri: "/api/images/\(id)/reprocess?recipe=nope", method: .post).status == .unprocessableContent)
            try await fixture.drain()
            let image = try ServerFixture.json(try await client.execute(uri: "/api/images/\(id)", method: .get))
            #expect(image["recipe"] as? String == "pixelate" && (image["variants"] as? [Any])?.count == 6)
        }
    }

    @Test func recipesHealthAndMetrics() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let recipes = try ServerFixture.json(try await client.execute(uri: "/api/recipes", method: .get))
            #expect(
                (recipes["recipes"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == [
                    "default", "grayscale", "pixelate", "privacy", "watermark",
                ])
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            _ = try await client.execute(
                uri: "/api/images", method: .post, headers: [.contentType: "image/jpeg"],
                body: ByteBuffer(bytes: try ServerFixture.photo(width: 40, height: 30)))
            let before = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(before.contains("darkroom_queue_depth 1") && before.contains("darkroom_uploads_total 1"))
            try await fixture.drain()
            let after = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(after.contains("darkroom_jobs_total{outcome=\"completed\"} 1") && after.contains("darkroom_queue_depth 0"))
            #expect(after.contains("darkroom_http_requests_total{method=\"POST\",status=\"202\"} 1"))
            #expect(after.contains("darkroom_job_duration_seconds_count 1"))
        }
    }
}
