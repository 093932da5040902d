import Crypto
import Foundation

/// AWS Signature Version 4, over swift-crypto: the `Authorization` header and query-string
/// presigning, with S3's path rules or everyone else's.
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// S3 signs the path as sent; every other service normalises and double-encodes it.
    public var isS3: Bool { service == "s3" }

    /// Headers that proxies and HTTP stacks change, so they are never signed (botocore's list).
    static let unsignedHeaders: Set<String> = ["authorization", "user-agent", "expect", "transfer-encoding", "x-amzn-trace-id", "connection"]

    /// What the body contributes to the signature.
    public enum Payload: Sendable, Equatable {
        /// The SHA-256 of the body, in hex.
        case sha256(String)
        /// S3's `UNSIGNED-PAYLOAD`: the body is not part of the signature.
        case unsigned

        public static func of(_ body: [UInt8]) -> Payload { .sha256(SigV4Signer.hex(SHA256.hash(data: body))) }
        public static let empty = Payload.of([])

        var value: String {
            switch self {
            case .sha256(let hash): return hash
            case .unsigned: return "UNSIGNED-PAYLOAD"
            }
        }
    }

    /// A request as the signer sees it: the path and query exactly as they go on the wire.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: String
        public var headers: [(name: String, value: String)]

        public init(method: String, path: String, query: String = "", headers: [(name: String, value: String)]) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
        }

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    /// The parts of one signature, kept for tests and for debugging a `SignatureDoesNotMatch`.
    public struct Signature: Sendable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        public var signedHeaders: String
    }

    /// Adds `X-Amz-Date`, the session token, `X-Amz-Content-SHA256` (always for S3, else when
    /// `contentSHA256Header`) and `Authorization` to the request's headers.
    @discardableResult
    public func sign(
        _ request: inout Request, payload: Payload, date: Date = Date(), contentSHA256Header: Bool = false, normalizePath: Bool = true
    ) -> Signature {
        let stamp = Self.timestamps(date)
        request.headers.removeAll { ["authorization", "x-amz-date"].contains($0.name.lowercased()) }
        request.headers.append(("X-Amz-Date", stamp.full))
        if let token = credentials.sessionToken, request.header("x-amz-security-token") == nil {
            request.headers.append(("X-Amz-Security-Token", token))
        }
        if (isS3 || contentSHA256Header) && request.header("x-amz-content-sha256") == nil {
            request.headers.append(("X-Amz-Content-SHA256", payload.value))
        }
        let signature = compute(request, query: request.query, payload: payload, stamp: stamp, normalizePath: normalizePath)
        request.headers.append(
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(stamp.day)), SignedHeaders=\(signature.signedHeaders), Signature=\(signature.signature)"
            ))
        return signature
    }

    /// A presigned request: the signature goes in the query string, valid for `expires` seconds.
    /// Returns the full query string to send, `X-Amz-Signature` included.
    public func presign(_ request: Request, expires: Int, payload: Payload? = nil, date: Date = Date(), normalizePath: Bool = true) -> (
        query: String, signature: Signature
    ) {
        let stamp = Self.timestamps(date)
        let signedHeaders = canonicalHeaders(request.headers).names
        var items: [(String, String)] = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(stamp.day))"),
            ("X-Amz-Date", stamp.full), ("X-Amz-Expires", String(expires)),
        ]
        if let token = credentials.sessionToken { items.append(("X-Amz-Security-Token", token)) }
        items.append(("X-Amz-SignedHeaders", signedHeaders))
        let added = SigV4Encoding.queryString(items)
        let query = request.query.isEmpty ? added : request.query + "&" + added
        let signature = compute(request, query: query, payload: payload ?? (isS3 ? .unsigned : .empty), stamp: stamp, normalizePath: normalizePath)
        return (query + "&X-Amz-Signature=" + signature.signature, signature)
    }

    func compute(_ request: Request, query: String, payload: Payload, stamp: (full: String, day: String), normalizePath: Bool) -> Signature {
        let headers = canonicalHeaders(request.headers)
        let canonicalRequest = [
            request.method.uppercased(), SigV4Encoding.canonicalURI(request.path, s3: isS3, normalize: normalizePath),
            SigV4Encoding.canonicalQuery(query), headers.block, headers.names, payload.value,
        ].joined(separator: "\n")
        let stringToSign = [
            "AWS4-HMAC-SHA256", stamp.full, scope(stamp.day), Self.hex(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: signingKey(day: stamp.day)))
        return Signature(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature, signedHeaders: headers.names)
    }

    /// Lower-case names, sorted; repeated headers joined with commas in the order sent.
    func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (block: String, names: String) {
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            let lower = name.lowercased()
            guard !Self.unsignedHeaders.contains(lower) else { continue }
            values[lower, default: []].append(SigV4Encoding.canonicalHeaderValue(value))
        }
        let names = values.keys.sorted()
        let block = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        return (block, names.joined(separator: ";"))
    }

    func scope(_ day: String) -> String { "\(day)/\(region)/\(service)/aws4_request" }

    func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return key
    }

    static func timestamps(_ date: Date) -> (full: String, day: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let day = String(format: "%04d%02d%02d", c.year!, c.month!, c.day!)
        return (day + String(format: "T%02d%02d%02dZ", c.hour!, c.minute!, c.second!), day)
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
