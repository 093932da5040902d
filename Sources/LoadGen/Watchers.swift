import AWSBackends
import AsyncHTTPClient
import Foundation
import NIOCore
import Pipeline

/// Hears images finish and tells the recorder: Darkroom's event stream, polling its API, or an
/// SQS queue subscribed to the SNS topic. `run` returns when its task is cancelled.
public protocol CompletionWatcher: Sendable {
    /// Connects; throws when the source cannot be reached, before any load is sent.
    func connect() async throws
    func run(_ recorder: Recorder) async
}

/// A Darkroom API as the watchers reach it: its base URL, the key, and the client.
public struct APIEndpoint: Sendable {
    let base: String
    let apiKey: String?
    let client: HTTPClient

    public init(base: String, apiKey: String?, client: HTTPClient) {
        self.base = base
        self.apiKey = apiKey
        self.client = client
    }

    /// `/healthz` answers 200.
    func checkHealthy() async throws {
        let response = try await client.execute(HTTPClientRequest(url: base + "/healthz"), timeout: .seconds(5))
        guard response.status == .ok else { throw RequestFailure(kind: "http_\(response.status.code)") }
    }

    /// A GET of `path` with the key, as a JSON object; nil on any failure (the caller polls again).
    func json(_ path: String) async -> [String: Any]? {
        var request = HTTPClientRequest(url: base + path)
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        guard let response = try? await client.execute(request, timeout: .seconds(10)), var body = try? await response.body.collect(upTo: 8 << 20)
        else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(body.readBytes(length: body.readableBytes) ?? [])) as? [String: Any]
    }
}

/// `GET /api/events`: every status change of the images the run uploaded. Reconnects when the
/// stream drops; images finished while it was down are then found by polling.
public struct EventStreamWatcher: CompletionWatcher {
    let base: String
    let apiKey: String?
    let client: HTTPClient
    private let opened = OpenedFlag()

    public init(base: String, apiKey: String?, client: HTTPClient) {
        self.base = base
        self.apiKey = apiKey
        self.client = client
    }

    var url: String {
        base + "/api/events" + (apiKey.map { "?access_token=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? "")
    }

    public func connect() async throws {
        // The stream is opened by `run`; this only proves the endpoint answers.
        try await APIEndpoint(base: base, apiKey: apiKey, client: client).checkHealthy()
    }

    public func run(_ recorder: Recorder) async {
        while !Task.isCancelled {
            do {
                let response = try await client.execute(HTTPClientRequest(url: url), timeout: .hours(24))
                guard response.status == .ok else { throw RequestFailure(kind: "http_\(response.status.code)") }
                opened.set()
                var parser = SSEParser()
                for try await chunk in response.body {
                    for data in parser.feed(chunk.readableBytesView) { Self.deliver(data, to: recorder) }
                }
            } catch {
                if Task.isCancelled { return }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// Waits until the stream is open, so no event of the run is missed.
    public func waitUntilOpen(timeout: Duration = .seconds(10)) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if opened.isSet { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return opened.isSet
    }

    static func deliver(_ data: String, to recorder: Recorder) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any], let id = object["id"] as? String
        else { return }
        PollingWatcher.report(status: object["status"] as? String, handle: id, to: recorder)
    }
}

/// Polls `GET /api/images/{id}` for every image still waiting, for deployments whose event
/// stream does not hear other processes.
public struct PollingWatcher: CompletionWatcher {
    let api: APIEndpoint
    let interval: Duration

    public init(base: String, apiKey: String?, client: HTTPClient, interval: Duration = .milliseconds(250)) {
        api = APIEndpoint(base: base, apiKey: apiKey, client: client)
        self.interval = interval
    }

    public func connect() async throws { try await api.checkHealthy() }

    public func run(_ recorder: Recorder) async {
        while !Task.isCancelled {
            for id in recorder.pendingHandles {
                guard let object = await api.json("/api/images/\(id)") else { continue }
                Self.report(status: object["status"] as? String, handle: id, to: recorder)
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// A final status, told to the recorder.
    static func report(status: String?, handle: String, to recorder: Recorder) {
        switch status {
        case "COMPLETED": recorder.finished(handle: handle, failed: false)
        case "FAILED": recorder.finished(handle: handle, failed: true)
        default: break
        }
    }
}

/// An SQS queue subscribed to Darkroom's SNS topic: each message names the image's file name and
/// status, which is how S3 drops are matched (their handle is the file name).
public struct SQSNotificationWatcher: CompletionWatcher {
    let sqs: SQSClient
    let queue: String

    public init(sqs: SQSClient, queue: String) {
        self.sqs = sqs
        self.queue = queue
    }

    public func connect() async throws {
        _ = try await sqs.queueURL(queue)
    }

    public func run(_ recorder: Recorder) async {
        while !Task.isCancelled {
            guard let messages = try? await sqs.receive(queue: queue, max: 10, visibilitySeconds: 30, waitSeconds: 1) else {
                try? await Task.sleep(for: .milliseconds(500))
                continue
            }
            for message in messages {
                if let (name, failed) = Self.read(message.body) { recorder.finished(handle: name, failed: failed) }
                try? await sqs.delete(queue: queue, receiptHandle: message.receiptHandle)
            }
        }
    }

    /// The file name and outcome in an SNS envelope (or a raw message) from `SNSNotifier`.
    static func read(_ body: String) -> (String, Bool)? {
        guard var object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { return nil }
        if let inner = object["Message"] as? String, let unwrapped = try? JSONSerialization.jsonObject(with: Data(inner.utf8)) as? [String: Any] {
            object = unwrapped
        }
        guard let name = object["filename"] as? String, let status = object["status"] as? String, status == "COMPLETED" || status == "FAILED" else {
            return nil
        }
        return (name, status == "FAILED")
    }
}

/// Set once, read from any thread.
///
/// `@unchecked Sendable`: `value` is only touched with `lock` held.
final class OpenedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// Polls the API's image list for the file names of S3 drops still waiting: for a deployment
/// whose API reads the same metadata store the S3 workers write.
public struct ListPollingWatcher: CompletionWatcher {
    let api: APIEndpoint
    let interval: Duration

    public init(base: String, apiKey: String?, client: HTTPClient, interval: Duration = .milliseconds(500)) {
        api = APIEndpoint(base: base, apiKey: apiKey, client: client)
        self.interval = interval
    }

    public func connect() async throws { try await api.checkHealthy() }

    public func run(_ recorder: Recorder) async {
        while !Task.isCancelled {
            let waiting = Set(recorder.pendingHandles)
            if !waiting.isEmpty {
                // Newest first: a page or two covers what a run has in flight.
                var cursor: String?
                for _ in 0..<5 {
                    guard let page = await api.json("/api/images?limit=100" + (cursor.map { "&cursor=\($0)" } ?? "")) else { break }
                    for image in page["images"] as? [[String: Any]] ?? [] {
                        guard let name = image["filename"] as? String, waiting.contains(name) else { continue }
                        PollingWatcher.report(status: image["status"] as? String, handle: name, to: recorder)
                    }
                    cursor = page["nextCursor"] as? String
                    if cursor == nil { break }
                }
            }
            try? await Task.sleep(for: interval)
        }
    }
}

/// Reads the metadata store itself (`--watch dynamodb://TABLE`) for the file names of S3 drops
/// still waiting: for a deployment with no API, as the seed systems had none.
public struct MetadataWatcher: CompletionWatcher {
    let store: any MetadataStore
    let interval: Duration

    public init(store: any MetadataStore, interval: Duration = .milliseconds(500)) {
        self.store = store
        self.interval = interval
    }

    public func connect() async throws {
        _ = try await store.list(status: nil, limit: 1, after: nil)
    }

    public func run(_ recorder: Recorder) async {
        while !Task.isCancelled {
            let waiting = Set(recorder.pendingHandles)
            if !waiting.isEmpty {
                // Newest first: a few pages cover what a run has in flight.
                var cursor: String?
                for _ in 0..<5 {
                    guard let page = try? await store.list(status: nil, limit: 100, after: cursor), !page.isEmpty else { break }
                    for record in page where waiting.contains(record.filename) && record.status.isFinal {
                        recorder.finished(handle: record.filename, failed: record.status == .failed)
                    }
                    cursor = page.last?.id
                }
            }
            try? await Task.sleep(for: interval)
        }
    }
}
