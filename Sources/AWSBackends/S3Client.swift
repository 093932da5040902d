import AWSSigning
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Pipeline

/// The S3 REST calls Darkroom makes, path-style or virtual-hosted, against AWS or any
/// S3-compatible store.
public struct S3Client: Sendable {
    public let aws: AWSClient

    public init(environment: AWSEnvironment, http: HTTPClient = .shared) {
        aws = AWSClient(environment: environment, service: "s3", http: http)
    }

    /// The host and the encoded path for a bucket and key.
    func address(bucket: String, key: String = "") -> (host: String, path: String) {
        let encodedKey = SigV4Encoding.uriEncode(key, keepSlash: true)
        let base = AWSClient.hostHeader(aws.endpoint)
        if aws.environment.s3UsesPathStyle { return (base, "/\(bucket)/\(encodedKey)") }
        return ("\(bucket).\(base)", "/\(encodedKey)")
    }

    public func createBucket(_ bucket: String) async throws {
        let (host, path) = address(bucket: bucket)
        let region = aws.environment.region
        let body =
            region == "us-east-1"
            ? []
            : Array(
                "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>\(region)</LocationConstraint></CreateBucketConfiguration>"
                    .utf8)
        let response = try await aws.send(.PUT, host: host, path: path, headers: [("Content-Type", "application/xml")], body: body, accepting: [409])
        if response.status == 409, !response.text.contains("BucketAlreadyOwnedByYou") {
            throw AWSError(service: "s3", status: 409, body: response.body, requestID: nil)
        }
    }

    public struct PutOptions: Sendable {
        public var contentType: String
        /// `AES256` or `aws:kms`: the `x-amz-server-side-encryption` header.
        public var serverSideEncryption: String?

        public init(contentType: String, serverSideEncryption: String? = nil) {
            self.contentType = contentType
            self.serverSideEncryption = serverSideEncryption
        }

        var headers: [(String, String)] {
            [("Content-Type", contentType)] + (serverSideEncryption.map { [("x-amz-server-side-encryption", $0)] } ?? [])
        }
    }

    public func putObject(bucket: String, key: String, bytes: [UInt8], options: PutOptions) async throws {
        let (host, path) = address(bucket: bucket, key: key)
        _ = try await aws.send(.PUT, host: host, path: path, headers: options.headers, body: bytes)
    }

    /// The object streamed: its declared length and the body as it arrives; nil when missing.
    public func streamObject(bucket: String, key: String) async throws -> (length: Int?, body: HTTPClientResponse.Body)? {
        let (host, path) = address(bucket: bucket, key: key)
        let response = try await aws.stream(.GET, host: host, path: path)
        if response.status == .notFound { return nil }
        guard response.status.code < 300 else {
            var body = try await response.body.collect(upTo: 1 << 20)
            throw AWSError(service: "s3", status: Int(response.status.code), body: body.readBytes(length: body.readableBytes) ?? [], requestID: nil)
        }
        return (response.headers.first(name: "content-length").flatMap(Int.init), response.body)
    }

    /// The whole object in one buffer sized from its Content-Length; nil when missing.
    public func getObject(bucket: String, key: String) async throws -> [UInt8]? {
        guard let (length, body) = try await streamObject(bucket: bucket, key: key) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length ?? 0)
        for try await chunk in body { bytes += chunk.readableBytesView }
        return bytes
    }

    public struct ObjectInfo: Sendable, Equatable {
        public var size: Int
        public var eTag: String
        public var contentType: String?
        /// The `x-amz-meta-*` headers, by name without the prefix, in lower case.
        public var metadata: [String: String] = [:]
    }

    public func headObject(bucket: String, key: String) async throws -> ObjectInfo? {
        let (host, path) = address(bucket: bucket, key: key)
        let response = try await aws.send(.HEAD, host: host, path: path, accepting: [404])
        guard response.status != 404 else { return nil }
        return ObjectInfo(
            size: response.headers.first(name: "content-length").flatMap(Int.init) ?? 0,
            eTag: (response.headers.first(name: "etag") ?? "").replacingOccurrences(of: "\"", with: ""),
            contentType: response.headers.first(name: "content-type"),
            metadata: Dictionary(
                response.headers.compactMap { header in
                    let name = header.name.lowercased()
                    return name.hasPrefix("x-amz-meta-") ? (String(name.dropFirst(11)), header.value) : nil
                }, uniquingKeysWith: { first, _ in first }))
    }

    public func deleteObject(bucket: String, key: String) async throws {
        let (host, path) = address(bucket: bucket, key: key)
        _ = try await aws.send(.DELETE, host: host, path: path, accepting: [404])
    }

    /// One object of a listing.
    public struct ListedObject: Sendable, Equatable {
        public var key: String
        public var eTag: String
        public var size: Int
    }

    /// Every object under `prefix`, following continuation tokens.
    public func listObjects(bucket: String, prefix: String) async throws -> [ListedObject] {
        let (host, path) = address(bucket: bucket)
        var objects: [ListedObject] = []
        var token: String?
        repeat {
            var items = [("list-type", "2"), ("prefix", prefix)]
            if let token { items.append(("continuation-token", token)) }
            let response = try await aws.send(.GET, host: host, path: path, query: SigV4Encoding.queryString(items))
            let text = response.text
            objects += XMLText.blocks("Contents", in: text).compactMap { block in
                guard let key = XMLText.first("Key", in: block) else { return nil }
                return ListedObject(
                    key: key, eTag: (XMLText.first("ETag", in: block) ?? "").replacingOccurrences(of: "\"", with: ""),
                    size: XMLText.first("Size", in: block).flatMap(Int.init) ?? 0)
            }
            token = XMLText.first("IsTruncated", in: text) == "true" ? XMLText.first("NextContinuationToken", in: text) : nil
        } while token != nil
        return objects
    }

    /// Every key under `prefix`.
    public func listKeys(bucket: String, prefix: String) async throws -> [String] {
        try await listObjects(bucket: bucket, prefix: prefix).map(\.key)
    }

    /// A multipart upload: parts of `partSize` bytes (at least 5 MiB but the last), completed in
    /// order, and aborted if any part fails so no orphaned parts stay behind.
    public func putObjectMultipart(bucket: String, key: String, bytes: [UInt8], partSize: Int, options: PutOptions) async throws {
        let (host, path) = address(bucket: bucket, key: key)
        let created = try await aws.send(.POST, host: host, path: path, query: "uploads=", headers: options.headers)
        guard let uploadID = XMLText.first("UploadId", in: created.text) else {
            throw AWSError(service: "s3", status: created.status, code: "NoUploadId", message: "CreateMultipartUpload answered without an UploadId.")
        }
        let encodedID = SigV4Encoding.uriEncode(uploadID)
        do {
            var etags: [String] = []
            var start = 0
            var number = 1
            while start < bytes.count || number == 1 {
                let part = Array(bytes[start..<min(bytes.count, start + partSize)])
                let response = try await aws.send(.PUT, host: host, path: path, query: "partNumber=\(number)&uploadId=\(encodedID)", body: part)
                etags.append(response.headers.first(name: "etag") ?? "")
                start += partSize
                number += 1
            }
            let parts = etags.enumerated().map { "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\(XMLText.escape($0.element))</ETag></Part>" }
            let body = Array("<CompleteMultipartUpload>\(parts.joined())</CompleteMultipartUpload>".utf8)
            let completed = try await aws.send(
                .POST, host: host, path: path, query: "uploadId=\(encodedID)", headers: [("Content-Type", "application/xml")], body: body)
            // S3 can answer 200 with an error inside the body.
            if completed.text.contains("<Error>") { throw AWSError(service: "s3", status: 500, body: completed.body, requestID: nil) }
        } catch {
            _ = try? await aws.send(.DELETE, host: host, path: path, query: "uploadId=\(encodedID)", accepting: [404])
            throw error
        }
    }

    /// A presigned GET URL, valid for `expires` seconds: a browser or curl can fetch the object
    /// straight from the bucket with it.
    public func presignedGetURL(bucket: String, key: String, expires: Int, date: Date = Date()) -> String {
        let (host, path) = address(bucket: bucket, key: key)
        let request = SigV4Signer.Request(method: "GET", path: path, headers: [("Host", host)])
        // Presigning cannot wait for a fetch: it signs with the credentials fetched last.
        var signer = aws.signer
        if let latest = aws.credentials.latest { signer.credentials = latest }
        let query = signer.presign(request, expires: expires, date: date).query
        return "\(aws.endpoint.scheme ?? "https")://\(host)\(path)?\(query)"
    }
}

/// Objects dropped into a bucket, read for `DropIngestor`.
extension S3Client: DropReader {
    public func head(bucket: String, key: String) async throws -> DropHead? {
        guard let info = try await headObject(bucket: bucket, key: key) else { return nil }
        return DropHead(size: info.size, imageID: info.metadata["image-id"], version: info.eTag.isEmpty ? nil : info.eTag)
    }

    public func read(bucket: String, key: String) async throws -> [UInt8]? {
        try await getObject(bucket: bucket, key: key)
    }
}
