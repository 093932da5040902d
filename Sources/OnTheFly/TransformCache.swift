import Foundation
import Pipeline

/// One finished on-the-fly result.
public struct TransformResult: Sendable {
    public var bytes: [UInt8]
    public var contentType: String
    public var width: Int
    public var height: Int
    /// When it was rendered: `Last-Modified`.
    public var created: Date

    public init(bytes: [UInt8], contentType: String, width: Int, height: Int, created: Date) {
        self.bytes = bytes
        self.contentType = contentType
        self.width = width
        self.height = height
        self.created = created
    }
}

/// Results kept in the blob store under `transforms/<2 hex>/<64 hex>`, a digest of the
/// normalised transformation and the source's identity, never the URL or its signature. Each
/// blob is a small header (content type, size, render time) and the image.
///
/// On the file store the cache is trimmed to `maxBytes`, least recently used first; the index
/// is rebuilt from the folder (file times as recency) on first use. On S3 nothing is trimmed:
/// give the `transforms/` prefix a bucket lifecycle rule.
public struct TransformCache: Sendable {
    public static let prefix = "transforms/"
    let blobs: any BlobStore
    let index: CacheIndex?

    public init(blobs: any BlobStore, index: CacheIndex?) {
        self.blobs = blobs
        self.index = index
    }

    static func key(spec: String, source: String, extra: String) -> String {
        let digest = ContentDigest.sha256Hex(Array("\(spec)\n\(source)\n\(extra)".utf8))
        return "\(prefix)\(digest.prefix(2))/\(digest)"
    }

    func get(_ key: String) async -> TransformResult? {
        guard let stored = try? await blobs.get(key), let result = Self.decode(stored) else { return nil }
        await index?.touch(key, bytes: stored.count)
        return result
    }

    func put(_ key: String, _ result: TransformResult) async throws {
        let encoded = Self.encode(result)
        try await blobs.put(key, bytes: encoded, contentType: "application/octet-stream")
        if let index {
            for evicted in await index.add(key, bytes: encoded.count) { try? await blobs.delete(prefix: evicted) }
        }
    }

    private struct Header: Codable {
        var contentType: String
        var width: Int
        var height: Int
        var created: Double
    }

    private static let magic: [UInt8] = Array("DRT1".utf8)

    static func encode(_ result: TransformResult) -> [UInt8] {
        let header = Header(
            contentType: result.contentType, width: result.width, height: result.height, created: result.created.timeIntervalSince1970)
        let json = Array((try? JSONEncoder().encode(header)) ?? Data())
        var out = magic
        out += withUnsafeBytes(of: UInt32(json.count).littleEndian, Array.init)
        out += json
        out += result.bytes
        return out
    }

    static func decode(_ stored: [UInt8]) -> TransformResult? {
        guard stored.count > 8, Array(stored[0..<4]) == magic else { return nil }
        let length = Int(UInt32(stored[4]) | UInt32(stored[5]) << 8 | UInt32(stored[6]) << 16 | UInt32(stored[7]) << 24)
        guard length < 4096, stored.count >= 8 + length, let header = try? JSONDecoder().decode(Header.self, from: Data(stored[8..<(8 + length)]))
        else { return nil }
        return TransformResult(
            bytes: Array(stored[(8 + length)...]), contentType: header.contentType, width: header.width, height: header.height,
            created: Date(timeIntervalSince1970: header.created))
    }
}

/// Sizes and recency of the cache's blobs, for least-recently-used trimming.
public actor CacheIndex {
    private var entries: [String: (bytes: Int, used: UInt64)] = [:]
    private var total = 0
    private var clock: UInt64 = 0
    private let maxBytes: Int
    private var scan: (@Sendable () async -> [(key: String, bytes: Int, modified: Date)])?

    /// `scan` lists what is already stored, once, before the first change.
    public init(maxBytes: Int, scan: @escaping @Sendable () async -> [(key: String, bytes: Int, modified: Date)]) {
        self.maxBytes = maxBytes
        self.scan = scan
    }

    var storedBytes: Int { total }

    private func loadIfNeeded() async {
        guard let scan else { return }
        self.scan = nil
        for entry in await scan().sorted(by: { $0.modified < $1.modified }) where entries[entry.key] == nil {
            clock += 1
            entries[entry.key] = (entry.bytes, clock)
            total += entry.bytes
        }
    }

    func touch(_ key: String, bytes: Int) async {
        await loadIfNeeded()
        clock += 1
        if let old = entries[key] { total -= old.bytes }
        entries[key] = (bytes, clock)
        total += bytes
    }

    /// Records a new blob and returns the keys to delete: the least recently used, until the
    /// cache is back under 90% of its cap.
    func add(_ key: String, bytes: Int) async -> [String] {
        await touch(key, bytes: bytes)
        guard total > maxBytes else { return [] }
        var evicted: [String] = []
        for (candidate, entry) in entries.sorted(by: { $0.value.used < $1.value.used }) {
            guard total > maxBytes * 9 / 10, candidate != key else { continue }
            entries[candidate] = nil
            total -= entry.bytes
            evicted.append(candidate)
        }
        return evicted
    }
}
