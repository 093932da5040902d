import AWSSigning
import Foundation
import NIOCore
import Pipeline

/// Blobs in an S3 bucket under a prefix: AWS S3 or any S3-compatible store (MinIO, Ceph, R2).
/// Large objects go up in parts; links can be presigned so a browser fetches variants straight
/// from the bucket.
public struct S3BlobStore: BlobStore {
    public let client: S3Client
    public let location: S3Location
    public var serverSideEncryption: String?
    /// Objects at least this large are uploaded in parts of `partSize`.
    public var multipartThreshold: Int
    public var partSize: Int

    public init(
        client: S3Client, location: S3Location, serverSideEncryption: String? = nil, multipartThreshold: Int = 16 << 20, partSize: Int = 8 << 20
    ) {
        self.client = client
        self.location = location
        self.serverSideEncryption = serverSideEncryption
        self.multipartThreshold = multipartThreshold
        self.partSize = max(partSize, 5 << 20)
    }

    /// The object a key names: relative keys live under this store's prefix; a key written as
    /// `s3://bucket/key` is read where it is: records made by S3 events before drops were copied
    /// into the store carry such keys.
    func object(_ key: String) throws -> (bucket: String, key: String) {
        if key.hasPrefix("s3://") {
            let rest = key.dropFirst("s3://".count)
            let bucket = String(rest.prefix { $0 != "/" })
            let objectKey = String(rest.dropFirst(bucket.count + 1))
            guard S3Location.isValidBucket(bucket) else { throw BlobKeyError(key: key) }
            try BlobKeys.validate(objectKey)
            return (bucket, objectKey)
        }
        try BlobKeys.validate(key)
        return (location.bucket, location.prefix + key)
    }

    public func put(_ key: String, bytes: [UInt8], contentType: String) async throws {
        let (bucket, objectKey) = try object(key)
        let options = S3Client.PutOptions(contentType: contentType, serverSideEncryption: serverSideEncryption)
        if bytes.count >= multipartThreshold {
            try await client.putObjectMultipart(bucket: bucket, key: objectKey, bytes: bytes, partSize: partSize, options: options)
        } else {
            try await client.putObject(bucket: bucket, key: objectKey, bytes: bytes, options: options)
        }
    }

    public func get(_ key: String) async throws -> [UInt8]? {
        let (bucket, objectKey) = try object(key)
        return try await client.getObject(bucket: bucket, key: objectKey)
    }

    public func head(_ key: String) async throws -> S3Client.ObjectInfo? {
        let (bucket, objectKey) = try object(key)
        return try await client.headObject(bucket: bucket, key: objectKey)
    }

    /// Keys under `prefix`, relative to this store.
    public func list(prefix: String) async throws -> [String] {
        try await client.listKeys(bucket: location.bucket, prefix: location.prefix + prefix).map { String($0.dropFirst(location.prefix.count)) }
    }

    public func delete(prefix: String) async throws {
        if !prefix.isEmpty { try BlobKeys.validate(prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix) }
        for key in try await client.listKeys(bucket: location.bucket, prefix: location.prefix + prefix) {
            try await client.deleteObject(bucket: location.bucket, key: key)
        }
    }

    /// A presigned GET URL for the key.
    public func presignedURL(_ key: String, expires: Int) throws -> String {
        let (bucket, objectKey) = try object(key)
        return client.presignedGetURL(bucket: bucket, key: objectKey, expires: expires)
    }
}
