import AsyncHTTPClient
import Foundation
import NIOCore
import Pipeline
import ServiceLifecycle

/// Where and how finished images are announced by webhook.
public struct WebhookSettings: Sendable {
    public var urls: [String]
    /// Signs every delivery; receivers check `X-Darkroom-Signature` with it.
    public var secret: String
    public var retry: RetryPolicy
    public var timeout: Duration

    public init(urls: [String], secret: String, retry: RetryPolicy = RetryPolicy(maxAttempts: 6), timeout: Duration = .seconds(10)) {
        self.urls = urls
        self.secret = secret
        self.retry = retry
        self.timeout = timeout
    }
}

/// Announces every finished image (COMPLETED or FAILED) with a POST to each configured URL.
///
/// `notify` only queues the event, so a worker never waits on a slow receiver. `run` (a
/// lifecycle service) delivers: each delivery is signed, carries a timestamp, and is retried
/// with exponential backoff until a 2xx answer or the last attempt.
///
/// Headers: `X-Darkroom-Event` (`image.completed` or `image.failed`), `X-Darkroom-Delivery` (a
/// unique id, the same on every retry), `X-Darkroom-Timestamp` (unix seconds), and
/// `X-Darkroom-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>`.
public final class WebhookNotifier: Notifier, Service {
    public let settings: WebhookSettings
    private let render: @Sendable (ImageEvent) -> [UInt8]
    private let events: AsyncStream<ImageEvent>
    private let queue: AsyncStream<ImageEvent>.Continuation

    /// `render` turns an event into the JSON body, so URLs are made the way the API makes them.
    public init(settings: WebhookSettings, render: @escaping @Sendable (ImageEvent) -> [UInt8]) {
        self.settings = settings
        self.render = render
        (events, queue) = AsyncStream.makeStream(of: ImageEvent.self, bufferingPolicy: .bufferingNewest(100_000))
    }

    public func notify(_ event: ImageEvent) async {
        guard event.status.isFinal, !event.deleted else { return }
        queue.yield(event)
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for await event in events.cancelOnGracefulShutdown() {
                let body = render(event)
                let delivery = UUID().uuidString
                for url in settings.urls {
                    group.addTask { await self.deliver(body, event: event, delivery: delivery, to: url) }
                }
            }
        }
    }

    /// One delivery to one URL, with retries. Gives up quietly after the last attempt.
    func deliver(_ body: [UInt8], event: ImageEvent, delivery: String, to url: String) async {
        for attempt in 1...settings.retry.maxAttempts {
            if Task.isCancelled { return }
            let timestamp = String(Int(Date().timeIntervalSince1970))
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "X-Darkroom-Event", value: event.status == .completed ? "image.completed" : "image.failed")
            request.headers.add(name: "X-Darkroom-Delivery", value: delivery)
            request.headers.add(name: "X-Darkroom-Attempt", value: String(attempt))
            request.headers.add(name: "X-Darkroom-Timestamp", value: timestamp)
            request.headers.add(
                name: "X-Darkroom-Signature", value: "sha256=" + Self.signature(secret: settings.secret, timestamp: timestamp, body: body))
            request.body = .bytes(ByteBuffer(bytes: body))
            let seconds = Int64(settings.timeout.components.seconds)
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(max(1, seconds))),
                (200..<300).contains(response.status.code)
            {
                return
            }
            if attempt < settings.retry.maxAttempts {
                try? await Task.sleep(for: settings.retry.delay(afterAttempt: attempt))
            }
        }
    }

    /// What a receiver recomputes to check a delivery.
    public static func signature(secret: String, timestamp: String, body: [UInt8]) -> String {
        ContentDigest.hmacSHA256Hex(key: Array(secret.utf8), message: Array("\(timestamp).".utf8) + body)
    }
}
