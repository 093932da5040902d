import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Pipeline
import Testing

@testable import Composition
@testable import Server

@Suite(.timeLimit(.minutes(10))) struct AuthTests {
    static let key = "k3y-for-tests-0123456789"

    func fixture() async throws -> ServerFixture {
        try await ServerFixture {
            $0.apiKeys = [Self.key, "another-key-abcdefghijk"]
            $0.signingKey = "signing-secret"
        }
    }

    @Test func everyAPIRouteNeedsAKeyWhenKeysAreSet() async throws {
        let fixture = try await fixture()
        try await fixture.test { client in
            for (uri, method) in [("/api/images", HTTPRequest.Method.get), ("/api/recipes", .get), ("/api/images", .post), ("/api/events", .get)] {
                let response = try await client.execute(uri: uri, method: method)
                #expect(response.status == .unauthorized, "\(method) \(uri)")
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                let code = (try ServerFixture.json(response)["error"] as? [String: Any])?["code"] as? String
                #expect(code == "unauthorized")
            }
            let wrong = try await client.execute(uri: "/api/recipes", method: .get, headers: [.authorization: "Bearer not-the-key-at-all-xx"])
            #expect(wrong.status == .unauthorized)
            let right = try await client.execute(uri: "/api/recipes", method: .get, headers: [.authorization: "Bearer \(Self.key)"])
            #expect(right.status == .ok)
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok, "health checks stay open")
        }
    }

    @Test func signedURLsWorkWithoutAHeaderUntilTheyExpire() async throws {
        let fixture = try await fixture()
        let photo = try ServerFixture.photo(width: 300, height: 200)
        try await fixture.test { client in
            let auth: HTTPFields = [.authorization: "Bearer \(Self.key)"]
            let upload = try await client.execute(
                uri: "/api/images", method: .post, headers: auth + [.contentType: "image/jpeg"], body: ByteBuffer(bytes: photo))
            let id = try #require(try ServerFixture.json(upload)["id"] as? String)
            try await fixture.drain()
            let image = try ServerFixture.json(try await client.execute(uri: "/api/images/\(id)", method: .get, headers: auth))
            let variantURL = try #require((image["variants"] as? [[String: Any]])?.first?["url"] as? String)
            #expect(variantURL.contains("?expires=") && variantURL.contains("&signature="))
            #expect(try await client.execute(uri: variantURL, method: .get).status == .ok, "a signed URL needs no header")
            let originalURL = try #require(image["originalUrl"] as? String)
            let original = try await client.execute(uri: originalURL, method: .get)
            #expect(Array(buffer: original.body) == photo)

            let tampered = variantURL.replacingOccurrences(of: "thumbnail", with: "large")
            #expect(try await client.execute(uri: tampered, method: .get).status == .unauthorized, "a signature is for one path")
            let signer = try #require(fixture.components.signer)
            let expired = signer.sign("/api/images/\(id)/variants/large", now: Date(timeIntervalSinceNow: -7200))
            #expect(try await client.execute(uri: expired, method: .get).status == .unauthorized, "an expired URL is refused")
            let unsigned = "/api/images/\(id)/variants/large"
            #expect(try await client.execute(uri: unsigned, method: .get).status == .unauthorized)
        }
    }

    @Test func theEventStreamTakesAnAccessToken() async throws {
        let fixture = try await fixture()
        let app = try buildApplication(fixture.components)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let stream = try StreamReader("/usr/bin/curl", ["-sN", "http://127.0.0.1:\(port)/api/events?access_token=\(Self.key)"])
            defer { stream.stop() }
            #expect(try await stream.wait(timeout: .seconds(10)) { $0.contains(": connected") })
        }
    }

    @Test func shortKeysAreRefusedAtStartUp() {
        var configuration = DarkroomConfiguration()
        configuration.isolation = .none
        configuration.apiKeys = ["short"]
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
    }
}

extension HTTPFields {
    static func + (lhs: HTTPFields, rhs: HTTPFields) -> HTTPFields {
        var merged = lhs
        merged.append(contentsOf: rhs)
        return merged
    }
}
