import BlockingWork
import Foundation
import Imaging
import Pipeline
import URLDialects

/// A source found and checked, not yet read: `identity` names its content (a digest, an ETag,
/// a file's size and time) so the cache can answer before the bytes are read.
struct ResolvedSource: Sendable {
    var identity: String
    var lastModified: Date?
    /// A stored image's regions (found once, or edited by a person): its URLs redact with them
    /// without detecting again. Nothing is known of other sources.
    var regions: ImageRegions = .none
    var load: @Sendable () async throws -> [UInt8]
}

/// Resolves a URL's source within what the configuration allows: stored images, the root
/// (a directory or an `s3://` location) and allow-listed remote URLs. Nothing outside the
/// root is reachable: paths have no `.`/`..` segments by the time they get here (the dialects
/// refuse them), a directory root is checked again after symbolic links are resolved, and an
/// `s3://` source must lie in the root's bucket and under its prefix.
public struct SourceResolver: Sendable {
    public enum Root: Sendable {
        case directory(URL)
        /// Objects under a bucket's prefix, read through the same port as drops (S3 in production).
        case bucket(BucketLocation, any DropReader)
    }

    let root: Root?
    let metadata: any MetadataStore
    let blobs: any BlobStore
    let remote: RemoteFetcher?
    let limits: Limits
    /// File reads run here, off the cooperative pool.
    let pool: BlockingPool

    public init(root: Root?, metadata: any MetadataStore, blobs: any BlobStore, remote: RemoteFetcher?, limits: Limits, pool: BlockingPool) {
        self.root = root
        self.metadata = metadata
        self.blobs = blobs
        self.remote = remote
        self.limits = limits
        self.pool = pool
    }

    func resolve(_ reference: SourceReference) async throws -> ResolvedSource {
        switch reference {
        case .stored(let id):
            guard let record = try await metadata.record(id: id) else { throw TransformError.notFound("There is no image \(id).") }
            let (blobs, key) = (self.blobs, record.originalKey)
            return ResolvedSource(identity: "sha256:\(record.sha256)", lastModified: record.createdAt, regions: record.regions) {
                guard let bytes = try await blobs.get(key) else { throw TransformError.notFound("The original of image \(id) is missing.") }
                return bytes
            }
        case .path(let path): return try await underRoot(path)
        case .object(let bucket, let key):
            guard case .bucket(let location, _)? = root, location.contains(bucket: bucket, key: key) else {
                throw TransformError.forbidden("s3://\(bucket)/\(key) is outside transform.root.")
            }
            return try await underRoot(String(key.dropFirst(location.prefix.count)))
        case .remote(let url):
            guard let remote else { throw TransformError.forbidden("Remote sources are off: transform.allowedSources lists none.") }
            return try await remote.resolve(url)
        }
    }

    /// `path` within `directory` once symbolic links are resolved, or `forbidden`: the one rule
    /// for sources and thumbor's watermark images alike.
    static func file(_ path: String, under directory: URL) throws -> URL {
        let file = directory.appendingPathComponent(path).resolvingSymlinksInPath()
        guard file.path.hasPrefix(directory.resolvingSymlinksInPath().path + "/") else {
            throw TransformError.forbidden("\(path) is outside transform.root.")
        }
        return file
    }

    /// `path` is relative, without dot segments (the dialects' `SourceReference` sees to it).
    private func underRoot(_ path: String) async throws -> ResolvedSource {
        switch root {
        case nil: throw TransformError.forbidden("No transform.root is configured, so paths cannot be served.")
        case .directory(let directory)?:
            let file = try Self.file(path, under: directory)
            var info = stat()
            guard stat(file.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw TransformError.notFound("There is no file \(path).") }
            guard Int(info.st_size) <= limits.maxFileBytes else {
                throw TransformError.unprocessable("The source is \(info.st_size) bytes; the limit is \(limits.maxFileBytes).")
            }
            let modified = Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
            let identity = "file:\(info.st_dev):\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
            let filePath = file.path
            let limit = limits.maxFileBytes
            let pool = self.pool
            return ResolvedSource(identity: identity, lastModified: modified) {
                guard let data = try await pool.run({ FileManager.default.contents(atPath: filePath) }) else {
                    throw TransformError.notFound("There is no file \(path).")
                }
                guard data.count <= limit else { throw TransformError.unprocessable("The source is \(data.count) bytes; the limit is \(limit).") }
                return Array(data)
            }
        case .bucket(let location, let reader)?:
            let key = location.prefix + path
            guard let info = try await reader.head(bucket: location.bucket, key: key) else {
                throw TransformError.notFound("There is no object \(path).")
            }
            guard info.size <= limits.maxFileBytes else {
                throw TransformError.unprocessable("The source is \(info.size) bytes; the limit is \(limits.maxFileBytes).")
            }
            let bucket = location.bucket
            // The ETag names the content. A reader that names no version gets an identity of its
            // own each time, so its objects are never answered from the cache (never stale).
            let identity = info.version.map { "etag:\($0)" } ?? "unversioned:\(UUID().uuidString)"
            return ResolvedSource(identity: identity, lastModified: nil) {
                guard let bytes = try await reader.read(bucket: bucket, key: key) else {
                    throw TransformError.notFound("There is no object \(path).")
                }
                return bytes
            }
        }
    }
}
