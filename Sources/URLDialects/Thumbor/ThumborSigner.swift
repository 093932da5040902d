import Crypto
import Pipeline

/// thumbor's URL signatures: HMAC-SHA1 with the security key over the path after the signature
/// segment (no leading `/`, still percent-encoded as sent), in URL-safe base64 with its `=`
/// padding: 28 characters.
public struct ThumborSigner: Sendable {
    let key: [UInt8]

    public init(securityKey: String) {
        key = Array(securityKey.utf8)
    }

    /// The signature segment for `path`, which has no leading `/`.
    public func sign(_ path: String) -> String {
        Base64URL.encode(HMAC<Insecure.SHA1>.authenticationCode(for: Array(path.utf8), using: SymmetricKey(data: key)), padded: true)
    }

    public func verify(_ signature: String, path: String) -> Bool {
        constantTimeEqual(sign(path), signature)
    }
}
