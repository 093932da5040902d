import AWSBackends
import Foundation
import Testing

@testable import FileStorage
@testable import Pipeline

/// Every BlobStore implementation passes these: files, and S3 on moto with signatures checked
/// (when moto is installed; S3BlobStoreTests says so when it is not).
enum BlobStores {
    /// A blob store, named by its backend in the test report.
    struct Backend: Sendable, CustomTestStringConvertible {
        let name: String
        let make: @Sendable () async throws -> any BlobStore
        var testDescription: String { name }
        func callAsFunction() async throws -> any BlobStore { try await make() }
    }

    static let all: [Backend] =
        [
            Backend(name: "files") {
                try FileBlobStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("blobs-\(UUID().uuidString)"))
            }
        ]
        + (MotoServer.available ? [Backend(name: "s3 (moto)") { try await s3() }] : [])
        + (SeaweedServer.available ? [Backend(name: "s3 (seaweedfs)") { try await seaweed() }] : [])

    /// A new bucket on SeaweedFS, a real S3 server, used under a prefix. Small parts: SeaweedFS
    /// enforces S3's 5 MiB minimum part size, so 6 MiB objects go up in parts.
    static func seaweed() async throws -> S3BlobStore {
        let client = S3Client(environment: try await SeaweedServer.shared.environment())
        let bucket = MotoServer.uniqueName("blobs")
        try await client.createBucket(bucket)
        return S3BlobStore(client: client, location: S3Location(bucket: bucket, prefix: "darkroom/"), multipartThreshold: 6 << 20, partSize: 5 << 20)
    }

    /// A new bucket on the signature-checking moto, used under a prefix.
    static func s3(multipartThreshold: Int = 16 << 20) async throws -> S3BlobStore {
        let client = S3Client(environment: try await MotoServer.signed.environment())
        let bucket = MotoServer.uniqueName("blobs")
        try await client.createBucket(bucket)
        return S3BlobStore(client: client, location: S3Location(bucket: bucket, prefix: "darkroom/"), multipartThreshold: multipartThreshold)
    }
}

@Suite(.timeLimit(.minutes(10))) struct BlobStoreConformance {
    @Test(arguments: BlobStores.all)
    func putGetOverwriteAndMissing(_ backend: BlobStores.Backend) async throws {
        let store = try await backend()
        #expect(try await store.get("originals/a/photo.jpg") == nil)
        try await store.put("originals/a/photo.jpg", bytes: [1, 2, 3], contentType: "image/jpeg")
        #expect(try await store.get("originals/a/photo.jpg") == [1, 2, 3])
        try await store.put("originals/a/photo.jpg", bytes: [9], contentType: "image/jpeg")
        #expect(try await store.get("originals/a/photo.jpg") == [9])
        try await store.put("empty", bytes: [], contentType: "application/octet-stream")
        #expect(try await store.get("empty") == [])
    }

    @Test(arguments: BlobStores.all)
    func deletingAPrefixRemovesOnlyThatImage(_ backend: BlobStores.Backend) async throws {
        let store = try await backend()
        for key in ["variants/a/large.jpg", "variants/a/small.jpg", "variants/ab/large.jpg", "originals/a/x.png"] {
            try await store.put(key, bytes: Array(key.utf8), contentType: "image/jpeg")
        }
        try await store.delete(prefix: "variants/a/")
        #expect(try await store.get("variants/a/large.jpg") == nil)
        #expect(try await store.get("variants/a/small.jpg") == nil)
        #expect(try await store.get("variants/ab/large.jpg") != nil)
        #expect(try await store.get("originals/a/x.png") != nil)
        try await store.delete(prefix: "variants/nothing-here/")
    }

    @Test(arguments: BlobStores.all)
    func keysThatCouldEscapeAreRefused(_ backend: BlobStores.Backend) async throws {
        let store = try await backend()
        for key in ["../etc/passwd", "/etc/passwd", "a/../../b", "a//b", ""] {
            await #expect(throws: (any Error).self, "key \(key)") { try await store.put(key, bytes: [1], contentType: "x/y") }
        }
    }
}
