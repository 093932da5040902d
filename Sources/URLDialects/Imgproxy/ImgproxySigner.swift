import Crypto
import Pipeline

/// imgproxy's URL signatures: HMAC-SHA256 with a hex key over a hex salt followed by the path
/// (everything after the signature segment, its leading `/` included), written as unpadded
/// URL-safe base64, optionally truncated to `size` bytes. Several key and salt pairs may be
/// configured, for rotation: a URL signed with any of them is accepted, and new URLs are
/// signed with the first.
public struct ImgproxySigner: Sendable {
    let pairs: [(key: [UInt8], salt: [UInt8])]
    /// Bytes of the digest kept, 1 to 32.
    public let size: Int

    /// `keys` and `salts`: comma-separated hex, in pairs.
    public init(keys: String, salts: String, size: Int = 32) throws {
        let keyList = keys.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let saltList = salts.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !keyList.isEmpty else { throw DialectError.badSignature("transform.imgproxy.keys names no key") }
        guard keyList.count == saltList.count else {
            throw DialectError.badSignature(
                "transform.imgproxy.keys has \(keyList.count) keys but transform.imgproxy.salts has \(saltList.count) salts")
        }
        var pairs: [(key: [UInt8], salt: [UInt8])] = []
        for (key, salt) in zip(keyList, saltList) {
            guard let k = hexBytes(key), !k.isEmpty, let s = hexBytes(salt) else {
                throw DialectError.badSignature("transform.imgproxy.keys and salts must be hex")
            }
            pairs.append((k, s))
        }
        guard (1...32).contains(size) else {
            throw DialectError.badSignature("transform.imgproxy.signatureSize must be between 1 and 32, not \(size)")
        }
        self.pairs = pairs
        self.size = size
    }

    /// The signature segment for `path` (which starts with `/`), with the first pair.
    public func sign(_ path: String) -> String {
        Base64URL.encode(digest(path, pairs[0]), padded: false)
    }

    /// True when `signature` signs `path` under any configured pair.
    public func verify(_ signature: String, path: String) -> Bool {
        guard let given = Base64URL.decode(signature), given.count == size else { return false }
        return pairs.contains { constantTimeEqual(digest(path, $0), given) }
    }

    private func digest(_ path: String, _ pair: (key: [UInt8], salt: [UInt8])) -> [UInt8] {
        let mac = HMAC<SHA256>.authenticationCode(for: pair.salt + Array(path.utf8), using: SymmetricKey(data: pair.key))
        return Array(Array(mac).prefix(size))
    }
}
