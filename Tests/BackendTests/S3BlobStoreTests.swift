import AWSSigning
import AsyncHTTPClient
import Foundation
import Pipeline
import Testing

@testable import AWSBackends

/// What S3 adds to the BlobStore contract, on moto with signature checking on.
@Suite(.enabled(if: MotoServer.available, MotoServer.skipReason), .timeLimit(.minutes(10))) struct S3BlobStoreTests {
    @Test func aWrongSignatureIsRefusedSoSigningIsReallyChecked() async throws {
        var environment = try await MotoServer.signed.environment()
        environment.credentials.secretAccessKey += "-wrong"
        let client = S3Client(environment: environment)
        do {
            try await client.createBucket(MotoServer.uniqueName("nope"))
            Issue.record("moto accepted a request signed with the wrong secret")
        } catch let error as AWSError {
            #expect(error.code == "SignatureDoesNotMatch", "\(error)")
        }
    }

    @Test func largeObjectsGoUpInPartsAndComeBackWhole() async throws {
        let store = try await BlobStores.s3(multipartThreshold: 6 << 20)
        var bytes = [UInt8](repeating: 0, count: 13 << 20)
        for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 31 &+ index >> 11) }
        try await store.put("originals/big/photo.tif", bytes: bytes, contentType: "image/tiff")
        #expect(try await store.get("originals/big/photo.tif") == bytes)
        let info = try #require(try await store.head("originals/big/photo.tif"))
        #expect(info.size == bytes.count)
        #expect(info.eTag.hasSuffix("-2"), "8 MiB parts: a multipart ETag names its part count, \(info.eTag)")
        #expect(info.contentType == "image/tiff")
    }

    @Test func keysWithSpacesAndUnicodeListAndDeleteUnderThePrefix() async throws {
        let store = try await BlobStores.s3()
        let keys = ["variants/x/large photo.jpg", "variants/x/été+1.jpg", "variants/y/a.jpg"]
        for key in keys { try await store.put(key, bytes: Array(key.utf8), contentType: "image/jpeg") }
        #expect(Set(try await store.list(prefix: "variants/")) == Set(keys))
        #expect(try await store.get("variants/x/été+1.jpg") == Array("variants/x/été+1.jpg".utf8))
        try await store.delete(prefix: "variants/x/")
        #expect(try await store.list(prefix: "variants/") == ["variants/y/a.jpg"])
        // Everything lives under the store's prefix in the bucket.
        #expect(try await store.client.listKeys(bucket: store.location.bucket, prefix: "") == ["darkroom/variants/y/a.jpg"])
    }

    @Test func serverSideEncryptionIsRequested() async throws {
        var store = try await BlobStores.s3()
        store.serverSideEncryption = "AES256"
        try await store.put("variants/e/a.jpg", bytes: [1, 2, 3], contentType: "image/jpeg")
        let (host, path) = store.client.address(bucket: store.location.bucket, key: "darkroom/variants/e/a.jpg")
        let response = try await store.client.aws.send(.HEAD, host: host, path: path)
        #expect(response.headers.first(name: "x-amz-server-side-encryption") == "AES256")
    }

    @Test func presignedURLsFetchWithoutCredentials() async throws {
        // moto answers 500 to presigned URLs while it checks signatures, so this uses the open one.
        let client = S3Client(environment: try await MotoServer.open.environment())
        let bucket = MotoServer.uniqueName("links")
        try await client.createBucket(bucket)
        let store = S3BlobStore(client: client, location: S3Location(bucket: bucket, prefix: "out"))
        try await store.put("variants/p/large.jpg", bytes: [7, 8, 9], contentType: "image/jpeg")
        let url = try store.presignedURL("variants/p/large.jpg", expires: 600)
        #expect(url.contains("X-Amz-Signature=") && url.contains("/\(bucket)/out/variants/p/large.jpg?"))
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        #expect(response.status.code == 200)
        #expect(Array(try await response.body.collect(upTo: 1024).readableBytesView) == [7, 8, 9])
    }

    @Test func anOriginalNamedByS3URLIsReadFromItsOwnBucket() async throws {
        let store = try await BlobStores.s3()
        let input = MotoServer.uniqueName("input")
        try await store.client.createBucket(input)
        try await store.client.putObject(bucket: input, key: "uploads/cat photo.jpg", bytes: [4, 2], options: .init(contentType: "image/jpeg"))
        #expect(try await store.get("s3://\(input)/uploads/cat photo.jpg") == [4, 2])
        await #expect(throws: (any Error).self) { try await store.get("s3://\(input)/../etc") }
    }

    @Test func locationsParseAndRefuseNonsense() throws {
        #expect(try S3Location(url: "s3://bucket-1/a/b") == S3Location(bucket: "bucket-1", prefix: "a/b/"))
        #expect(try S3Location(url: "s3://bucket-1") == S3Location(bucket: "bucket-1", prefix: ""))
        for bad in ["bucket/a", "s3://", "s3://Bad_Bucket/x", "s3://ab", "s3://bucket/../x"] {
            #expect(throws: AWSConfigurationError.self, "\(bad)") { try S3Location(url: bad) }
        }
        #expect(try S3Location(url: "s3://b-1/in").overlaps(S3Location(url: "s3://b-1/in/out")))
        #expect(!(try S3Location(url: "s3://b-1/in/").overlaps(S3Location(url: "s3://b-1/out/"))))
    }
}

/// What a real S3 server checks that moto does not: SeaweedFS verifies presigned URLs' signature
/// and expiry, and enforces the 5 MiB minimum part.
@Suite(.enabled(if: SeaweedServer.available, SeaweedServer.skipReason), .timeLimit(.minutes(10))) struct SeaweedS3Tests {
    @Test func largeObjectsGoUpInFiveMiBPartsAndComeBackWhole() async throws {
        let store = try await BlobStores.seaweed()
        var bytes = [UInt8](repeating: 0, count: 13 << 20)
        for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 29 &+ index >> 13) }
        try await store.put("originals/big/photo.tif", bytes: bytes, contentType: "image/tiff")
        #expect(try await store.get("originals/big/photo.tif") == bytes)
        #expect(try await store.head("originals/big/photo.tif")?.size == bytes.count)
    }

    @Test func presignedLinksWorkAndATamperedOrExpiredOneIsRefused() async throws {
        let store = try await BlobStores.seaweed()
        try await store.put("variants/p/large.jpg", bytes: [7, 8, 9], contentType: "image/jpeg")
        func status(_ url: String) async throws -> UInt {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 20)
            return response.status.code
        }
        let url = try store.presignedURL("variants/p/large.jpg", expires: 600)
        #expect(try await status(url) == 200)
        let signature = try #require(url.range(of: "X-Amz-Signature=")).upperBound
        let flipped = url[signature] == "0" ? "1" : "0"
        let tampered = url.replacingCharacters(in: signature...signature, with: flipped)
        #expect(try await status(tampered) == 403, "a changed signature is refused")
        let other = url.replacingOccurrences(of: "large.jpg", with: "small.jpg")
        #expect(try await status(other) == 403, "a signature is for its own key only")
        let shortLived = store.client.presignedGetURL(
            bucket: store.location.bucket, key: "darkroom/variants/p/large.jpg", expires: 1, date: Date().addingTimeInterval(-5))
        #expect(try await status(shortLived) == 403, "an expired link is refused")
    }
}
