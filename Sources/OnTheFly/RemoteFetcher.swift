import AsyncHTTPClient
import BlockingWork
import Foundation
import NIOCore
import Pipeline

#if canImport(Glibc)
    import Glibc
#endif

/// Fetches allow-listed `http(s)` sources, refusing what could reach inside the network:
/// - the URL must match an entry of `transform.allowedSources` by scheme, host, port and path
///   prefix (so `https://img.example.com.evil.net/` never matches `https://img.example.com/`);
/// - every address the host resolves to must be public unless `transform.allowPrivateNetworks`
///   (loopback, private, link-local, carrier-grade NAT, multicast, reserved, and IPv6's
///   equivalents, v4-mapped addresses included);
/// - redirects are not followed (a redirect could point anywhere);
/// - the answer must arrive within the timeout and stay under `limits.maxBytes`, checked from
///   `Content-Length` and again while reading.
///
/// What is left: a host whose DNS answer changes between the check and the connection
/// (rebinding) could still reach a private address. Allow-list hosts you control.
public struct RemoteFetcher: Sendable {
    let allowed: [URL]
    let allowPrivate: Bool
    let maxBytes: Int
    let timeout: TimeAmount
    let pool: BlockingPool

    public init(allowed: [URL], allowPrivate: Bool, maxBytes: Int, timeout: TimeAmount, pool: BlockingPool) {
        self.allowed = allowed
        self.allowPrivate = allowPrivate
        self.maxBytes = maxBytes
        self.timeout = timeout
        self.pool = pool
    }

    /// One client for the process, never shut down, that follows no redirects.
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(30))))

    func resolve(_ url: URL) async throws -> ResolvedSource {
        guard allowed.contains(where: { Self.matches(url, $0) }) else {
            throw TransformError.forbidden("\(url.absoluteString) is not allowed by transform.allowedSources.")
        }
        if !allowPrivate {
            let host = url.host ?? ""
            let addresses = try await pool.run { Self.addresses(of: host) }
            guard !addresses.isEmpty else { throw TransformError.notFound("The host \(host) does not resolve.") }
            if let blocked = addresses.first(where: { !Self.isPublic($0) }) {
                throw TransformError.forbidden(
                    "\(host) resolves to \(blocked.text), a private or reserved address; set transform.allowPrivateNetworks to allow it.")
            }
        }
        let bytes = try await fetch(url)
        return ResolvedSource(identity: "sha256:\(ContentDigest.sha256Hex(bytes))", lastModified: nil) { bytes }
    }

    private func fetch(_ url: URL) async throws -> [UInt8] {
        let response: HTTPClientResponse
        do {
            response = try await Self.client.execute(HTTPClientRequest(url: url.absoluteString), timeout: timeout)
        } catch {
            throw TransformError.upstream("The source server did not answer: \(error)")
        }
        switch response.status.code {
        case 200: break
        case 404, 410: throw TransformError.notFound("The source server has no \(url.absoluteString).")
        case 300..<400: throw TransformError.upstream("The source server redirected; redirects are not followed.")
        default: throw TransformError.upstream("The source server answered \(response.status.code).")
        }
        if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > maxBytes {
            throw TransformError.unprocessable("The source is \(length) bytes; the limit is \(maxBytes).")
        }
        var bytes: [UInt8] = []
        for try await chunk in response.body {
            guard bytes.count + chunk.readableBytes <= maxBytes else {
                throw TransformError.unprocessable("The source is over the limit of \(maxBytes) bytes.")
            }
            bytes += chunk.readableBytesView
        }
        return bytes
    }

    static func matches(_ url: URL, _ allowed: URL) -> Bool {
        func port(_ u: URL) -> Int { u.port ?? (u.scheme?.lowercased() == "https" ? 443 : 80) }
        guard url.scheme?.lowercased() == allowed.scheme?.lowercased(), url.host?.lowercased() == allowed.host?.lowercased(),
            port(url) == port(allowed), url.user == nil
        else { return false }
        let prefix = allowed.path.isEmpty ? "/" : allowed.path
        let path = url.path.isEmpty ? "/" : url.path
        return path.hasPrefix(prefix) && RelativePath.staysInside(path.drop { $0 == "/" }, allowingEmptySegments: true)
    }

    /// An address as bytes: 4 for IPv4, 16 for IPv6.
    struct Address {
        var bytes: [UInt8]
        var text: String {
            if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
            return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
        }
    }

    /// Every address `host` resolves to (blocking: call on a pool).
    static func addresses(of host: String) -> [Address] {
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [Address] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if entry.pointee.ai_family == AF_INET, let raw = entry.pointee.ai_addr {
                raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    addresses.append(Address(bytes: withUnsafeBytes(of: sin.pointee.sin_addr.s_addr) { Array($0) }))
                }
            } else if entry.pointee.ai_family == AF_INET6, let raw = entry.pointee.ai_addr {
                raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    addresses.append(Address(bytes: withUnsafeBytes(of: sin6.pointee.sin6_addr) { Array($0) }))
                }
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }

    /// False for loopback, private, link-local, shared, multicast, reserved and unspecified
    /// addresses, in IPv4 and IPv6 (v4-mapped and NAT64 addresses judged by their IPv4 part).
    static func isPublic(_ address: Address) -> Bool {
        let b = address.bytes
        if b.count == 4 {
            switch (b[0], b[1]) {
            case (0, _), (10, _), (127, _): return false
            case (100, 64...127): return false
            case (169, 254), (192, 168): return false
            case (172, 16...31): return false
            case (192, 0) where b[2] == 0 || b[2] == 2: return false
            case (198, 18...19),
                (198, 51) where b[2] == 100:
                return false
            case (203, 0) where b[2] == 113: return false
            case (224...255, _): return false
            default: return true
            }
        }
        guard b.count == 16 else { return false }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF { return isPublic(Address(bytes: Array(b[12..<16]))) }
        if b[0..<12] == [0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0][...] { return isPublic(Address(bytes: Array(b[12..<16]))) }
        if b[0..<15].allSatisfy({ $0 == 0 }) { return false }  // :: and ::1
        if b[0] & 0xFE == 0xFC { return false }  // fc00::/7, unique local
        if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return false }  // fe80::/10, link-local
        if b[0] == 0xFF { return false }  // multicast
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8 { return false }  // documentation
        return true
    }
}
