import AsyncHTTPClient
import Configuration
import Foundation
import LambdaRuntime
import Pipeline

/// What running as a Lambda function changes, beside the handler that lives by it: where the
/// data folder goes, who takes jobs from the queue, and when the local queue is drained.
public enum LambdaPolicy {
    /// The flags the function's configuration starts from: the REST API on a loopback port of
    /// its own, and a writable data folder. Lambda's file system is read-only but for /tmp, so
    /// a data folder that cannot be written (the image's /data, say) gives way to /tmp/darkroom.
    public static func flags(environment: [String: String]) -> [String: ConfigContent] {
        var flags: [String: ConfigContent] = ["host": .string("127.0.0.1"), "port": .int(0)]
        let writable = environment["DARKROOM_DATA"].map { FileManager.default.isWritableFile(atPath: $0) } ?? false
        if !writable { flags["data"] = .string("/tmp/darkroom") }
        return flags
    }

    /// With an SQS queue (or S3 events through a queue), the queue's trigger hands its jobs to
    /// the function: no worker in the process may take them from SQS behind Lambda's back.
    public static func apply(to settings: inout DarkroomConfiguration) throws {
        if !drainsLocally(try BackendPlan(settings)) { settings.runWorkers = false }
    }

    /// Whether jobs an upload queued in this process's own queue are worked off here, after its
    /// answer is posted and before the next event is asked for (Lambda freezes the process
    /// between invocations, never while it works).
    public static func drainsLocally(_ plan: BackendPlan) -> Bool {
        if case .sqs = plan.queue { return false }
        return plan.events?.queue == nil
    }

    /// Waits until the local queue is empty, or until shortly before `deadline`.
    public static func drain(_ queue: any JobQueue, until deadline: Date) async {
        while deadline.timeIntervalSinceNow > 3 {
            guard let depth = try? await queue.depth(), depth > 0 else { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// API Gateway and Function URL requests, sent to the function's own REST API on a loopback
/// port, and its answers made into Lambda's.
public struct LoopbackProxy: Sendable {
    public let port: Int

    public init(port: Int) { self.port = port }

    /// The largest answer Lambda takes is 6 MB, after base64: about 4.4 MB of bytes.
    public static let maxAnswerBytes = 4_400_000

    /// Headers that belong to one connection, never forwarded.
    static let hopByHop: Set<String> = ["host", "content-length", "connection", "transfer-encoding", "expect", "keep-alive", "upgrade"]

    public func forward(_ event: HTTPEvent) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(event.path)\(event.query.isEmpty ? "" : "?\(event.query)")")
        request.method = .init(rawValue: event.method)
        for (name, value) in event.headers where !Self.hopByHop.contains(name) { request.headers.add(name: name, value: value) }
        if !event.body.isEmpty { request.body = .bytes(event.body) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        var body = try await response.body.collect(upTo: 512 << 20)
        let bytes = body.readBytes(length: body.readableBytes) ?? []
        guard bytes.count <= Self.maxAnswerBytes else {
            let message =
                #"{"error":"The answer is \#(bytes.count) bytes, over what Lambda can return (6 MB after base64). Fetch the file through a presigned link (s3.presignedLinks) instead."}"#
            return event.response(status: 502, headers: [("Content-Type", "application/json")], body: Array(message.utf8))
        }
        return event.response(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: bytes)
    }
}
