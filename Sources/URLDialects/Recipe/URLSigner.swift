import Foundation
import Pipeline

/// Signs image URLs so an `<img>` tag can fetch them without an Authorization header: the
/// signature is an HMAC-SHA256 over the path and an expiry time.
public struct URLSigner: Sendable {
    let key: [UInt8]
    let lifetime: TimeInterval

    public init(key: [UInt8], lifetime: TimeInterval) {
        self.key = key
        self.lifetime = lifetime
    }

    /// `path?expires=<unix seconds>&signature=<hex>`.
    public func sign(_ path: String, now: Date = Date()) -> String {
        let expires = Int(now.timeIntervalSince1970 + lifetime)
        return "\(path)?expires=\(expires)&signature=\(signature(path: path, expires: expires))"
    }

    /// True when the signature matches the path and has not expired.
    public func verify(path: String, expires: String?, signature given: String?, now: Date = Date()) -> Bool {
        guard let expires, let seconds = Int(expires), let given, Double(seconds) >= now.timeIntervalSince1970 else { return false }
        return constantTimeEqual(signature(path: path, expires: seconds), given)
    }

    private func signature(path: String, expires: Int) -> String {
        ContentDigest.hmacSHA256Hex(key: key, message: Array("\(path)\n\(expires)".utf8))
    }
}
