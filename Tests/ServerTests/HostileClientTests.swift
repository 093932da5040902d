import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Imaging
import Pipeline
import TestSupport
import Testing

@testable import Composition
@testable import Server

/// The classes a black-box probe of the server found: reused idempotency keys, racing uploads
/// against a small queue, deletes and reprocesses racing the worker, hostile file names, and
/// protocol slips. Each is answered with the right status and a JSON message, and leaves no
/// orphan file or half-written record.
@Suite(.timeLimit(.minutes(10))) struct HostileClientTests {
    static func upload(_ client: some TestClientProtocol, _ bytes: [UInt8], headers: HTTPFields = [:], uri: String = "/api/images") async throws
        -> TestResponse
    {
        var fields: HTTPFields = [.contentType: "image/jpeg"]
        for field in headers { fields.append(field) }
        return try await client.execute(uri: uri, method: .post, headers: fields, body: ByteBuffer(bytes: bytes))
    }

    static func errorCode(_ response: TestResponse) -> String? {
        ((try? ServerFixture.json(response))?["error"] as? [String: Any])?["code"] as? String
    }

    @Test func anIdempotencyKeyIsBoundToItsRequest() async throws {
        let fixture = try await ServerFixture()
        let a = try ServerFixture.photo(width: 300, height: 200)
        let b = try ServerFixture.photo(width: 200, height: 300)
        let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "order-17"]
        try await fixture.test { client in
            let first = try await Self.upload(client, a, headers: key)
            #expect(first.status == .accepted)
            let id = try #require(try ServerFixture.json(first)["id"] as? String)
            let replay = try await Self.upload(client, a, headers: key)
            let replayed = try ServerFixture.json(replay)["id"] as? String
            #expect(replay.status == .accepted && replayed == id)

            let otherImage = try await Self.upload(client, b, headers: key)
            #expect(otherImage.status == .unprocessableContent && (Self.errorCode(otherImage)) == "idempotency_key_reused")
            let otherRecipe = try await Self.upload(client, a, headers: key, uri: "/api/images?recipe=grayscale")
            #expect(otherRecipe.status == .unprocessableContent)
            let garbage = try await client.execute(
                uri: "/api/images", method: .post, headers: [.contentType: "image/jpeg", HTTPField.Name("Idempotency-Key")!: "order-17"],
                body: ByteBuffer(string: "garbage"))
            #expect(garbage.status == .unprocessableContent && Self.errorCode(garbage) == "idempotency_key_reused")

            #expect(try await client.execute(uri: "/api/images/\(id)", method: .delete).status == .noContent)
            let afterDelete = try await Self.upload(client, a, headers: key)
            #expect(afterDelete.status == .gone && (Self.errorCode(afterDelete)) == "idempotent_result_deleted")
            let list = try ServerFixture.json(try await client.execute(uri: "/api/images", method: .get))
            #expect((list["images"] as? [Any])?.isEmpty == true, "nothing was made twice")
        }
    }

    @Test func parallelUploadsAndReprocessesNeverPassTheQueueLimit() async throws {
        let fixture = try await ServerFixture { $0.maxQueueDepth = 5 }
        let photo = try ServerFixture.photo(width: 120, height: 80)
        try await fixture.test { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<50 { group.addTask { try await Self.upload(client, photo).status } }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .accepted }.count == 5)
            #expect(statuses.filter { $0 == .serviceUnavailable }.count == 45)
            #expect(try await fixture.components.queue.depth() == 5)
            let list = try ServerFixture.json(try await client.execute(uri: "/api/images?limit=100", method: .get))
            let id = try #require(((list["images"] as? [[String: Any]]) ?? []).first?["id"] as? String)
            let reprocess = try await client.execute(uri: "/api/images/\(id)/reprocess", method: .post)
            #expect(reprocess.status == .serviceUnavailable, "reprocess passes the same admission")
            #expect(try await fixture.components.queue.depth() == 5)
        }
    }

    @Test func aDeleteDuringProcessingLeavesNoFiles() async throws {
        let fixture = try await ServerFixture()
        let gate = PausingRenderer(inner: fixture.components.renderer)
        let worker = fixture.worker(renderer: gate)
        try await fixture.test { client in
            let id = try #require(try ServerFixture.json(try await Self.upload(client, try ServerFixture.photo()))["id"] as? String)
            let processing = Task { try await worker.processNext() }
            await gate.waitUntilEntered()
            #expect(try await client.execute(uri: "/api/images/\(id)", method: .delete).status == .noContent)
            await gate.resume()
            _ = try await processing.value
            #expect(fixture.blobFiles().isEmpty, "left behind: \(fixture.blobFiles())")
            #expect(try await client.execute(uri: "/api/images/\(id)", method: .get).status == .notFound)
        }
    }

    @Test func reprocessingReplacesTheOldVariantsAndRacesCleanly() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let id = try #require(try ServerFixture.json(try await Self.upload(client, try ServerFixture.photo()))["id"] as? String)
            try await fixture.drain()
            #expect(fixture.blobFiles().count == 4, "the original and three variants")
            #expect(try await client.execute(uri: "/api/images/\(id)/reprocess?recipe=grayscale", method: .post).status == .accepted)
            try await fixture.drain()
            let files = fixture.blobFiles()
            #expect(files.count == 2 && files.contains { $0.hasSuffix("grayscale.png") }, "the old recipe's files are gone: \(files)")

            // A reprocess while the old generation renders: the late writer leaves nothing.
            let gate = PausingRenderer(inner: fixture.components.renderer)
            #expect(try await client.execute(uri: "/api/images/\(id)/reprocess?recipe=default", method: .post).status == .accepted)
            let processing = Task { try await fixture.worker(renderer: gate).processNext() }
            await gate.waitUntilEntered()
            #expect(try await client.execute(uri: "/api/images/\(id)/reprocess?recipe=grayscale", method: .post).status == .accepted)
            #expect(try await client.execute(uri: "/api/images/\(id)", method: .delete).status == .noContent)
            await gate.resume()
            _ = try await processing.value
            try await fixture.drain()
            #expect(fixture.blobFiles().isEmpty, "left behind: \(fixture.blobFiles())")
        }
    }

    @Test(arguments: [
        ("../../etc/passwd", "passwd"), ("photo\u{202E}gpj.exe", "photogpj.exe"), ("a\r\nSet-Cookie: x=1.jpg", "aSet-Cookie: x=1.jpg"),
        ("..", "upload"), ("  .hidden.jpg  ", "hidden.jpg"), ("C:\\Users\\me\\ünïcode photo.jpg", "ünïcode photo.jpg"),
    ])
    func fileNamesAreStoredSafe(sent: String, stored: String) async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            // JSON carries any string, control characters included.
            let payload = ["filename": sent, "data": Data(try ServerFixture.photo(width: 50, height: 40)).base64EncodedString()]
            let response = try await client.execute(
                uri: "/api/images", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: payload)))
            #expect(response.status == .accepted)
            let image = try ServerFixture.json(response)
            #expect(image["filename"] as? String == stored)
            let original = try await client.execute(uri: "/api/images/\(image["id"] as? String ?? "")/original", method: .get)
            let disposition = original.headers[.contentDisposition] ?? ""
            #expect(!disposition.contains("\r") && !disposition.contains("\n") && disposition.hasPrefix("inline; filename=\""))
        }
    }

    @Test func aFiveThousandCharacterNameIsCappedKeepingItsExtension() async throws {
        #expect(DisplayName.normalise(String(repeating: "x", count: 5000) + ".jpeg").count == DisplayName.maxLength)
        #expect(DisplayName.normalise(String(repeating: "x", count: 5000) + ".jpeg").hasSuffix("x.jpeg"))
        #expect(DisplayName.normalise("nul\u{0}name.png") == "nulname.png")
    }

    @Test func headAnswersAsGetWithoutABodyAndDownloadsAreNotSniffed() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let id = try #require(try ServerFixture.json(try await Self.upload(client, try ServerFixture.photo()))["id"] as? String)
            try await fixture.drain()
            for path in ["/api/images/\(id)", "/api/images/\(id)/original", "/api/images/\(id)/variants/thumbnail"] {
                let get = try await client.execute(uri: path, method: .get)
                let head = try await client.execute(uri: path, method: .head)
                #expect(head.status == .ok, "\(path)")
                #expect(head.body.readableBytes == 0)
                #expect(head.headers[.contentLength] == String(get.body.readableBytes), "\(path)")
                #expect(head.headers[.contentType] == get.headers[.contentType])
                #expect(get.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            }
        }
    }

    @Test func theBearerSchemeIsCaseInsensitive() async throws {
        let fixture = try await ServerFixture { $0.apiKeys = ["secret-key-1"] }
        try await fixture.test { client in
            for scheme in ["Bearer", "bearer", "BEARER"] {
                let response = try await client.execute(uri: "/api/images", method: .get, headers: [.authorization: "\(scheme) secret-key-1"])
                #expect(response.status == .ok, "\(scheme)")
            }
            #expect(
                try await client.execute(uri: "/api/images", method: .get, headers: [.authorization: "Basic secret-key-1"]).status == .unauthorized)
        }
    }

    @Test func tooLargeAndFrameworkErrorsHaveJSONBodiesStatingTheRealLimit() async throws {
        let fixture = try await ServerFixture { $0.limits.maxFileBytes = 100_000 }
        try await fixture.test { client in
            // Declared too large: refused before the body is read.
            let declared = try await client.execute(
                uri: "/api/images", method: .post, headers: [.contentType: "image/jpeg", .contentLength: "5000000"],
                body: ByteBuffer(bytes: [UInt8](repeating: 1, count: 5_000_000)))
            #expect(declared.status == .contentTooLarge)
            #expect((Self.errorCode(declared)) == "file_too_large")
            let message = (try ServerFixture.json(declared)["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("at most 100000 bytes"), "\(message)")
            let unknown = try await client.execute(uri: "/nowhere", method: .get)
            #expect(unknown.status == .notFound && (Self.errorCode(unknown)) == "not_found")
        }
    }

    @Test func base64DecodesEveryAlphabetAndRefusesJunk() throws {
        let bytes = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
        let standard = Data(bytes).base64EncodedString()
        #expect(try UploadBody.decodeBase64(Array(standard.utf8)) == bytes)
        let urlSafe = standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
            of: "=", with: "")
        #expect(try UploadBody.decodeBase64(Array(urlSafe.utf8)) == bytes)
        let wrapped = stride(from: 0, to: standard.count, by: 76).map { Array(standard.utf8)[$0..<min($0 + 76, standard.count)] }
            .map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\r\n")
        #expect(try UploadBody.decodeBase64(Array(("data:image/jpeg;base64," + wrapped).utf8)) == bytes)
        for junk in ["%%%", "QUJD=RA", "A", "====", ""] {
            #expect(throws: APIError.self, "\(junk)") { try UploadBody.decodeBase64(Array(junk.utf8)) }
        }
    }
}

/// Wraps a renderer and holds the first render until the test resumes it, so a test can act
/// while a job is mid-render.
/// Upload work has threads of its own: renders that hold every render thread never delay an
/// upload's answer.
@Suite(.timeLimit(.minutes(10))) struct RequestPoolTests {
    /// Holds pool threads until released.
    final class Hold: @unchecked Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var holding = 0
        var count: Int { lock.withLock { holding } }
        func hold() {
            lock.withLock { holding += 1 }
            semaphore.wait()
        }
        func release(_ n: Int) { for _ in 0..<n { semaphore.signal() } }
    }

    @Test func anUploadIsAnsweredWhileEveryRenderThreadIsBusy() async throws {
        let fixture = try await ServerFixture()
        let renders = try #require(fixture.components.renderPool)
        let hold = Hold()
        // Every render thread busy, and more renders waiting behind them.
        let held = (0..<(renders.threadCount + 4)).map { _ in Task { try await renders.run { hold.hold() } } }
        try await eventually("every render thread to be held") { hold.count >= renders.threadCount }
        try await fixture.test { client in
            let response = try await client.execute(
                uri: "/api/images", method: .post, headers: [.contentType: "image/jpeg"],
                body: ByteBuffer(bytes: try ServerFixture.photo(width: 64, height: 48)))
            #expect(response.status == .accepted)
        }
        hold.release(held.count)
        for task in held { try await task.value }
    }
}

actor PausingRenderer: Renderer {
    let inner: any Renderer
    private var entered = false
    private var enteredWaiters: [CheckedContinuation<Void, Never>] = []
    private var resumed = false
    private var resumeWaiters: [CheckedContinuation<Void, Never>] = []

    init(inner: any Renderer) { self.inner = inner }

    nonisolated func render(_ bytes: [UInt8], recipe: String, regions: ImageRegions) async throws -> RecipeResult {
        await enter()
        return try await inner.render(bytes, recipe: recipe, regions: regions)
    }

    nonisolated func render(_ bytes: [UInt8], transform: TransformSpec, regions: ImageRegions) async throws -> RecipeResult {
        await enter()
        return try await inner.render(bytes, transform: transform, regions: regions)
    }

    private func enter() async {
        entered = true
        for waiter in enteredWaiters { waiter.resume() }
        enteredWaiters = []
        if !resumed { await withCheckedContinuation { resumeWaiters.append($0) } }
    }

    func waitUntilEntered() async {
        if !entered { await withCheckedContinuation { enteredWaiters.append($0) } }
    }

    func resume() {
        resumed = true
        for waiter in resumeWaiters { waiter.resume() }
        resumeWaiters = []
    }
}
