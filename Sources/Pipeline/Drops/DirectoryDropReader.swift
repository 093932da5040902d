import BlockingWork
import Foundation

/// A local folder read as a drop location, for `darkroom ingest DIR`: the "bucket" is the
/// folder's absolute path and keys are paths relative to it. File reads run on `pool`.
public struct DirectoryDropReader: DropReader {
    public let root: URL
    let pool: BlockingPool

    public init(root: URL, pool: BlockingPool) {
        self.root = root.standardizedFileURL.resolvingSymlinksInPath()
        self.pool = pool
    }

    /// The drop location the ingestor checks keys against.
    public var location: BucketLocation { BucketLocation(bucket: root.path) }

    func file(_ key: String) -> URL? {
        // Keys come from `files()`: relative, without `..`; checked again all the same.
        guard RelativePath.staysInside(key) else { return nil }
        return root.appendingPathComponent(key)
    }

    public func head(bucket: String, key: String) async throws -> DropHead? {
        guard bucket == root.path, let url = file(key) else { return nil }
        return try await pool.run {
            guard let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int else { return nil }
            return DropHead(size: size)
        }
    }

    public func read(bucket: String, key: String) async throws -> [UInt8]? {
        guard bucket == root.path, let url = file(key) else { return nil }
        return try await pool.run { (try? Data(contentsOf: url)).map { Array($0) } }
    }

    /// Every regular file under the folder (hidden ones and `skipping` left out), as drops:
    /// the version is the size and modification time, so a file changed since is a new drop.
    public func files(skipping skipped: URL? = nil) async throws -> [DroppedObject] {
        let (root, skipPath) = (self.root, skipped?.standardizedFileURL.resolvingSymlinksInPath().path)
        return try await pool.run {
            guard
                let walker = FileManager.default.enumerator(
                    at: root, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey, .contentModificationDateKey],
                    options: [.skipsHiddenFiles])
            else { return [] }
            var found: [DroppedObject] = []
            for case let url as URL in walker {
                let path = url.standardizedFileURL.resolvingSymlinksInPath().path
                if let skipPath, path == skipPath || path.hasPrefix(skipPath + "/") {
                    walker.skipDescendants()
                    continue
                }
                let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey, .contentModificationDateKey])
                guard values?.isRegularFile == true, path.hasPrefix(root.path + "/") else { continue }
                let key = String(path.dropFirst(root.path.count + 1))
                let modified = Int((values?.contentModificationDate?.timeIntervalSince1970 ?? 0) * 1000)
                found.append(DroppedObject(bucket: root.path, key: key, version: "\(values?.fileSize ?? 0)-\(modified)", isCreation: true))
            }
            return found.sorted { $0.key < $1.key }
        }
    }
}
