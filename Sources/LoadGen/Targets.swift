import AWSBackends
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One kind of request a run sends. `send` returns the handle the run waits on for the image to
/// finish (nil when the target has nothing to wait for), or throws a `RequestFailure` naming
/// the kind of error.
public protocol LoadTarget: Sendable {
    func send(_ index: Int) async throws -> String?
}

/// A request that failed, by kind: `http_503`, `connect`, `timeout`…
public struct RequestFailure: Error, CustomStringConvertible {
    public var kind: String
    public var description: String { kind }

    static func from(_ error: any Error) -> RequestFailure {
        if let failure = error as? RequestFailure { return failure }
        if let client = error as? HTTPClientError {
            if client == .connectTimeout || client == .deadlineExceeded || client == .readTimeout { return RequestFailure(kind: "timeout") }
            if client == .remoteConnectionClosed { return RequestFailure(kind: "connection_closed") }
        }
        if error is ChannelError || "\(error)".lowercased().contains("connect") { return RequestFailure(kind: "connect") }
        return RequestFailure(kind: "other")
    }
}

/// How an upload's image travels: the four forms the API takes.
public enum UploadForm: String, Sendable, CaseIterable {
    case multipart, raw, base64, json
}

/// Uploads to Darkroom's API (`POST /api/images`) in one of the four forms.
public struct UploadTarget: LoadTarget {
    let base: String
    let images: LoadImages
    let form: UploadForm
    let recipe: String?
    let apiKey: String?
    let client: HTTPClient
    let timeout: TimeAmount
    /// The bodies, made once per image: a run measures the server, not the encoding.
    let bodies: [(body: [UInt8], contentType: String)]

    public init(
        base: String, images: LoadImages, form: UploadForm, recipe: String?, apiKey: String?, client: HTTPClient, timeout: TimeAmount = .seconds(60)
    ) {
        self.base = base
        self.images = images
        self.form = form
        self.recipe = recipe
        self.apiKey = apiKey
        self.client = client
        self.timeout = timeout
        bodies = images.items.map { Self.body($0, form: form) }
    }

    static func body(_ item: LoadImages.Item, form: UploadForm) -> (body: [UInt8], contentType: String) {
        switch form {
        case .raw:
            return (item.bytes, item.contentType)
        case .base64:
            return (Array(Data(item.bytes).base64EncodedString().utf8), "text/plain")
        case .json:
            let object: [String: String] = ["filename": item.name, "data": Data(item.bytes).base64EncodedString()]
            return (Array((try? JSONSerialization.data(withJSONObject: object)) ?? Data()), "application/json")
        case .multipart:
            let boundary = "darkroom-loadgen-\(UUID().uuidString)"
            let safeName = item.name.replacingOccurrences(of: "\"", with: "_")
            var body = Array(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(safeName)\"\r\nContent-Type: \(item.contentType)\r\n\r\n"
                    .utf8)
            body += item.bytes
            body += Array("\r\n--\(boundary)--\r\n".utf8)
            return (body, "multipart/form-data; boundary=\(boundary)")
        }
    }

    public func send(_ index: Int) async throws -> String? {
        let (body, contentType) = bodies[index % bodies.count]
        var request = HTTPClientRequest(url: base + "/api/images" + (recipe.map { "?recipe=\($0)" } ?? ""))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.headers.add(name: "X-Filename", value: images.item(index).name)
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
        } catch {
            throw RequestFailure.from(error)
        }
        var answer = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .accepted else { throw RequestFailure(kind: "http_\(response.status.code)") }
        let json = answer.readBytes(length: answer.readableBytes) ?? []
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any], let id = object["id"] as? String else {
            throw RequestFailure(kind: "bad_answer")
        }
        return id
    }
}

/// Drops objects into an S3 bucket under a prefix, as the seed systems' users did. Each key is
/// unique to the run (`loadgen-<run>-<n>-<name>`), and that file name is the handle: the record
/// Darkroom makes carries it.
public struct S3DropTarget: LoadTarget {
    let s3: S3Client
    let location: S3Location
    let images: LoadImages
    public let run: String

    public init(s3: S3Client, location: S3Location, images: LoadImages, run: String = String(UUID().uuidString.prefix(8)).lowercased()) {
        self.s3 = s3
        self.location = location
        self.images = images
        self.run = run
    }

    public func name(_ index: Int) -> String { "loadgen-\(run)-\(index)-\(images.item(index).name)" }

    public func send(_ index: Int) async throws -> String? {
        let item = images.item(index)
        let name = name(index)
        do {
            try await s3.putObject(
                bucket: location.bucket, key: location.prefix + name, bytes: item.bytes, options: .init(contentType: item.contentType))
        } catch let error as AWSError {
            throw RequestFailure(kind: "s3_\(error.code.isEmpty ? String(error.status) : error.code)")
        } catch {
            throw RequestFailure.from(error)
        }
        return name
    }
}

/// GETs over a list of URLs, cycled. Any 2xx or 304 counts; the body is read and dropped.
public struct GetTarget: LoadTarget {
    let urls: [String]
    let client: HTTPClient
    let timeout: TimeAmount

    public init(urls: [String], client: HTTPClient, timeout: TimeAmount = .seconds(30)) {
        self.urls = urls
        self.client = client
        self.timeout = timeout
    }

    public func send(_ index: Int) async throws -> String? {
        let request = HTTPClientRequest(url: urls[index % urls.count])
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
            for try await _ in response.body {}
        } catch {
            throw RequestFailure.from(error)
        }
        guard (200..<300).contains(response.status.code) || response.status == .notModified else {
            throw RequestFailure(kind: "http_\(response.status.code)")
        }
        return nil
    }
}
