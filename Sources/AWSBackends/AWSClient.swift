import AWSSigning
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Signs and sends requests to one AWS service (or an S3-compatible store) over AsyncHTTPClient,
/// retrying throttling and server errors with backoff. The thin S3, SQS, SNS and DynamoDB
/// clients are built on this.
public struct AWSClient: Sendable {
    public let environment: AWSEnvironment
    public let service: String
    let http: HTTPClient
    let signer: SigV4Signer
    /// Where the signing credentials come from; temporary ones are refreshed there.
    let credentials: CredentialsProvider
    /// Attempts for a request that fails with a 5xx, a throttle or a dropped connection.
    var maxAttempts = 4
    var timeout: TimeAmount = .seconds(60)

    public init(environment: AWSEnvironment, service: String, http: HTTPClient = .shared) {
        self.environment = environment
        self.service = service
        self.http = http
        self.signer = SigV4Signer(credentials: environment.credentials, region: environment.region, service: service)
        self.credentials = CredentialsProvider.shared(for: environment, http: http)
    }

    /// The service's base URL.
    public var endpoint: URL { environment.endpoint(for: service) }

    /// An answer: status, headers and the whole body.
    public struct Response: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: [UInt8]

        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Sends a signed request. `path` and `query` are already encoded for the wire. A status of
    /// 300 or more throws `AWSError`, except those listed in `accepting`.
    public func send(
        _ method: HTTPMethod, host: String? = nil, path: String, query: String = "", headers: [(String, String)] = [], body: [UInt8] = [],
        payload: SigV4Signer.Payload? = nil, accepting: Set<Int> = []
    ) async throws -> Response {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let response = try await sendOnce(method, host: host, path: path, query: query, headers: headers, body: body, payload: payload)
                if response.status < 300 || accepting.contains(response.status) { return response }
                let error = AWSError(
                    service: service, status: response.status, body: response.body, requestID: response.headers.first(name: "x-amzn-requestid"))
                if error.isRetryable && attempt < maxAttempts {
                    try await Task.sleep(for: .milliseconds(100 * (1 << attempt)))
                    continue
                }
                throw error
            } catch let error as HTTPClientError where attempt < maxAttempts && Self.isTransient(error) {
                try await Task.sleep(for: .milliseconds(100 * (1 << attempt)))
            }
        }
    }

    /// Sends a signed GET and hands back the response with its body unread, for streaming.
    public func stream(_ method: HTTPMethod, host: String? = nil, path: String, query: String = "") async throws -> HTTPClientResponse {
        let (outgoing, _) = try await signedRequest(method, host: host, path: path, query: query, headers: [], body: [], payload: nil)
        return try await http.execute(outgoing, timeout: timeout)
    }

    func signedRequest(
        _ method: HTTPMethod, host: String?, path: String, query: String, headers: [(String, String)], body: [UInt8], payload: SigV4Signer.Payload?
    ) async throws -> (HTTPClientRequest, SigV4Signer.Request) {
        let base = endpoint
        let hostHeader = host ?? Self.hostHeader(base)
        var request = SigV4Signer.Request(
            method: method.rawValue, path: path, query: query, headers: [("Host", hostHeader)] + headers.map { ($0.0, $0.1) })
        if !body.isEmpty || method == .PUT || method == .POST { request.headers.append(("Content-Length", String(body.count))) }
        var signer = self.signer
        signer.credentials = try await credentials.credentials()
        signer.sign(&request, payload: payload ?? .of(body))
        var outgoing = HTTPClientRequest(url: "\(base.scheme ?? "https")://\(hostHeader)\(path)\(query.isEmpty ? "" : "?" + query)")
        outgoing.method = method
        for (name, value) in request.headers where name.lowercased() != "host" { outgoing.headers.add(name: name, value: value) }
        if !body.isEmpty { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        return (outgoing, request)
    }

    func sendOnce(
        _ method: HTTPMethod, host: String?, path: String, query: String, headers: [(String, String)], body: [UInt8], payload: SigV4Signer.Payload?
    ) async throws -> Response {
        let (outgoing, _) = try await signedRequest(method, host: host, path: path, query: query, headers: headers, body: body, payload: payload)
        let response = try await http.execute(outgoing, timeout: timeout)
        var collected = try await response.body.collect(upTo: 512 * 1024 * 1024)
        return Response(
            status: Int(response.status.code), headers: response.headers, body: collected.readBytes(length: collected.readableBytes) ?? [])
    }

    /// `host` or `host:port`, the port only when it is not the scheme's default.
    public static func hostHeader(_ url: URL) -> String {
        let host = url.host ?? "localhost"
        guard let port = url.port, !(url.scheme == "http" && port == 80), !(url.scheme == "https" && port == 443) else { return host }
        return "\(host):\(port)"
    }

    static func isTransient(_ error: HTTPClientError) -> Bool {
        [HTTPClientError.remoteConnectionClosed, .readTimeout, .connectTimeout, .deadlineExceeded].contains(error)
    }
}
