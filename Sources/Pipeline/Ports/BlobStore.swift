/// Where originals and variants are kept: local files, or S3-compatible storage.
public protocol BlobStore: Sendable {
    /// Stores `bytes` under `key`, replacing what was there. When it returns, the bytes are
    /// durable: a crash afterwards does not lose them.
    func put(_ key: String, bytes: [UInt8], contentType: String) async throws
    /// The bytes under `key`, or nil when there are none.
    func get(_ key: String) async throws -> [UInt8]?
    /// Removes every blob whose key starts with `prefix`. Removing nothing is not an error.
    func delete(prefix: String) async throws
}
