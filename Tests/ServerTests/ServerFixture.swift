import Composition
import Foundation
import Hummingbird
import HummingbirdTesting
import Imaging
import ImagingFixtures
import Pipeline
import Testing

@testable import Composition
@testable import Server

/// A Darkroom service on a fresh data directory, for one test.
struct ServerFixture {
    var components: Runtime
    let worker: Worker

    init(configure: (inout DarkroomConfiguration) -> Void = { _ in }) async throws {
        var configuration = DarkroomConfiguration()
        configuration.isolation = .none
        configuration.dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("server-\(UUID().uuidString)").path
        configuration.port = 0
        configuration.runWorkers = false
        configuration.workerCount = 2
        configure(&configuration)
        components = try Runtime(configuration: configuration)
        try await components.prepare()
        worker = components.makeWorker()
    }

    /// Runs the app in the router test framework (no sockets).
    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = try buildApplication(components)
        try await app.test(.router) { client in try await body(client) }
    }

    /// A worker over these components that renders with `renderer`.
    func worker(renderer: any Renderer) -> Worker {
        Worker(
            blobs: components.blobs, metadata: components.metadata, queue: components.queue, notifier: components.events,
            renderer: renderer, limits: components.configuration.limits, settings: components.configuration.worker, doorbell: Doorbell())
    }

    /// Processes every queued job.
    func drain() async throws {
        while try await worker.processNext() {}
    }

    /// Every file under the blob directory.
    func blobFiles() -> [String] {
        let root = URL(fileURLWithPath: components.configuration.dataDirectory).appendingPathComponent("blobs").path
        return (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { !$0.hasSuffix("/") }
            .filter {
                var dir: ObjCBool = false
                return FileManager.default.fileExists(atPath: root + "/" + $0, isDirectory: &dir) && !dir.boolValue
            }
    }

    static func photo(width: Int = 1200, height: Int = 900, format: OutputFormat = .jpeg) throws -> [UInt8] {
        try TestPhoto.bytes(width: width, height: height, blue: 80, as: EncodeOptions(format: format, speed: 9))
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    static func multipart(_ files: [(String, [UInt8])], boundary: String = "DarkroomBoundary42") -> ByteBuffer {
        var body: [UInt8] = []
        for (name, bytes) in files {
            body += Array(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    .utf8)
            body += bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return ByteBuffer(bytes: body)
    }
}
