import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Pipeline
import TestSupport
import Testing
import Webhooks

@testable import Composition
@testable import Server

/// What a webhook receiver got.
actor ReceivedHooks {
    struct Hook {
        var headers: HTTPFields
        var body: [UInt8]
    }
    private(set) var hooks: [Hook] = []
    private var failuresLeft: Int

    init(failFirst: Int) {
        failuresLeft = failFirst
    }

    /// Records a delivery; answers 500 while failures are left, then 204.
    func receive(_ hook: Hook) -> HTTPResponse.Status {
        hooks.append(hook)
        if failuresLeft > 0 {
            failuresLeft -= 1
            return .internalServerError
        }
        return .noContent
    }
}

@Suite(.timeLimit(.minutes(10))) struct WebhookTests {
    @Test func finishedImagesArePostedSignedAndRetried() async throws {
        let received = ReceivedHooks(failFirst: 1)
        let receiverRouter = Router()
        receiverRouter.post("hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            return Response(status: await received.receive(.init(headers: request.headers, body: Array(buffer: body))))
        }
        let receiver = Application(router: receiverRouter, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let secret = "webhook-secret-0123456789"
        try await receiver.test(.live) { hookClient in
            let hookPort = try #require(hookClient.port)
            let fixture = try await ServerFixture {
                $0.runWorkers = true
                $0.webhookURLs = ["http://127.0.0.1:\(hookPort)/hook"]
                $0.webhookSecret = secret
            }
            let app = try buildApplication(fixture.components)
            try await app.test(.live) { client in
                let upload = try await client.execute(
                    uri: "/api/images", method: .post, headers: [.contentType: "image/jpeg"],
                    body: ByteBuffer(bytes: try ServerFixture.photo(width: 400, height: 300)))
                let id = try #require(try ServerFixture.json(upload)["id"] as? String)
                try? await eventually("a failed delivery and its retry", poll: .milliseconds(50)) { await received.hooks.count >= 2 }
                let hooks = await received.hooks
                #expect(hooks.count == 2, "one failed delivery, then its retry")
                guard hooks.count == 2 else { return }
                let (first, second) = (hooks[0], hooks[1])
                let delivery = HTTPField.Name("X-Darkroom-Delivery")!
                let attempt = HTTPField.Name("X-Darkroom-Attempt")!
                #expect(first.headers[delivery] == second.headers[delivery], "a retry is the same delivery")
                #expect(first.headers[attempt] == "1" && second.headers[attempt] == "2")
                #expect(second.headers[HTTPField.Name("X-Darkroom-Event")!] == "image.completed")
                let timestamp = try #require(second.headers[HTTPField.Name("X-Darkroom-Timestamp")!])
                let expected = "sha256=" + WebhookNotifier.signature(secret: secret, timestamp: timestamp, body: second.body)
                #expect(second.headers[HTTPField.Name("X-Darkroom-Signature")!] == expected)
                let payload = try #require(try JSONSerialization.jsonObject(with: Data(second.body)) as? [String: Any])
                #expect(payload["id"] as? String == id && payload["status"] as? String == "COMPLETED")
                #expect((payload["variants"] as? [Any])?.count == 3)
                let placeholder = try #require(payload["placeholder"] as? [String: Any], "a completion carries the placeholder")
                #expect((placeholder["blurhash"] as? String)?.count == 28 && placeholder["thumbhash"] is String)
            }
        }
    }

    @Test func webhookSettingsAreChecked() {
        var configuration = DarkroomConfiguration()
        configuration.isolation = .none
        configuration.webhookURLs = ["ftp://example.test/x"]
        configuration.webhookSecret = "long-enough-secret-123"
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
        configuration.webhookURLs = ["http://127.0.0.1:9/hook"]
        configuration.webhookSecret = "short"
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
    }
}
