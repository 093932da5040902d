import BlockingWork
import Foundation
import Pipeline

#if canImport(Glibc)
    import Glibc
#endif

/// Blobs as files under a root directory, one file per key. Writes go to a temporary file that
/// is synced and then renamed over the target, so a reader never sees half a file and a stored
/// blob survives a crash. File I/O runs on its own small thread pool.
public struct FileBlobStore: BlobStore {
    public let root: URL
    private let pool: BlockingPool

    /// The store under `root`, with no I/O: `prepare` creates the folder.
    public init(unpreparedRoot root: URL, ioThreads: Int = 2) {
        self.root = root.standardizedFileURL
        self.pool = BlockingPool(threads: ioThreads, name: "darkroom-files")
    }

    /// The store under `root`, creating the folder now.
    public init(root: URL, ioThreads: Int = 2) throws {
        self.init(unpreparedRoot: root, ioThreads: ioThreads)
        try FileManager.default.createDirectory(at: self.root, withIntermediateDirectories: true)
    }

    /// Where writes are staged before their rename: one folder under the root (the same file
    /// system, so the rename is atomic), never beside the blobs, so a process killed mid-write
    /// leaves no debris among them.
    var staging: URL { root.appendingPathComponent(".incoming") }

    /// A staged write older than this was abandoned by a process that died mid-write.
    static let abandonedAfter: TimeInterval = 3600

    /// Creates the root folder when it is missing, and clears writes that processes killed
    /// mid-write left staged (only old ones: another process sharing the folder may be
    /// writing right now).
    public func prepare() async throws {
        let (root, staging) = (self.root, self.staging)
        try await pool.run {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            let cutoff = Date().addingTimeInterval(-Self.abandonedAfter)
            for entry in (try? FileManager.default.contentsOfDirectory(at: staging, includingPropertiesForKeys: [.contentModificationDateKey])) ?? []
            {
                if let modified = try? entry.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate, modified < cutoff {
                    try? FileManager.default.removeItem(at: entry)
                }
            }
        }
    }

    public func put(_ key: String, bytes: [UInt8], contentType: String) async throws {
        let (url, staging) = (try path(for: key), self.staging)
        try await pool.run {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            try Self.writeAtomically(bytes, to: url.path, staging: staging.path)
        }
    }

    public func get(_ key: String) async throws -> [UInt8]? {
        let url = try path(for: key)
        return try await pool.run { try Self.read(url.path) }
    }

    /// Every blob under the folder `prefix` (which ends in `/`), with its size and modification
    /// time, for a cache's trimming. Unreadable entries are skipped.
    public func entries(under prefix: String) async -> [(key: String, bytes: Int, modified: Date)] {
        let root = self.root
        return
            (try? await pool.run {
                let base = root.appendingPathComponent(prefix)
                guard
                    let walker = FileManager.default.enumerator(
                        at: base, includingPropertiesForKeys: [.fileSizeKey, .contentModificationDateKey, .isRegularFileKey])
                else { return [] }
                var found: [(key: String, bytes: Int, modified: Date)] = []
                for case let url as URL in walker {
                    guard let values = try? url.resourceValues(forKeys: [.fileSizeKey, .contentModificationDateKey, .isRegularFileKey]),
                        values.isRegularFile == true, !url.lastPathComponent.hasPrefix(".")
                    else { continue }
                    let relative = String(url.standardizedFileURL.path.dropFirst(root.path.count + 1))
                    found.append((relative, values.fileSize ?? 0, values.contentModificationDate ?? .distantPast))
                }
                return found
            }) ?? []
    }

    public func delete(prefix: String) async throws {
        _ = try path(for: prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix)
        let root = self.root
        try await pool.run {
            // Prefixes end at a folder boundary in Darkroom ("variants/<id>/"); a partial name
            // prefix is honoured by filtering the folder's entries.
            let folder = prefix.hasSuffix("/") ? prefix : (prefix as NSString).deletingLastPathComponent + "/"
            let folderURL = root.appendingPathComponent(folder)
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folderURL.path) else { return }
            // A worker may be writing into the folder at this moment: an entry that vanished is
            // already gone, and a folder that gained a file is emptied again.
            for entry in entries where (folder + entry).hasPrefix(prefix) {
                Self.remove(folderURL.appendingPathComponent(entry))
            }
            if prefix.hasSuffix("/") { Self.remove(folderURL) }
            let leftover = entries.filter { (folder + $0).hasPrefix(prefix) }.map { folderURL.appendingPathComponent($0) }
                .filter { FileManager.default.fileExists(atPath: $0.path) }
            guard leftover.isEmpty else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: leftover[0].path]) }
        }
    }

    /// Writes `bytes` to a temporary file in `staging`, syncs it, then renames it over `path`: a
    /// reader never sees half a file, and a stored blob survives a crash. Straight from the
    /// array, with no intermediate copy.
    static func writeAtomically(_ bytes: [UInt8], to path: String, staging: String) throws {
        let temporary = staging + "/" + UUID().uuidString
        let fd = open(temporary, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        close(fd)
        guard failure == 0, rename(temporary, path) == 0 else {
            let code = failure != 0 ? failure : errno
            unlink(temporary)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }

    /// The whole file, read straight into an array; nil when there is no such file.
    static func read(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let size = Int(status.st_size)
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            while count < size {
                let got = Glibc.read(fd, buffer.baseAddress! + count, size - count)
                if got < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if got == 0 { break }
                count += got
            }
        }
        guard failure == 0 else { throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO) }
        return bytes
    }

    /// Removes a file or folder; a missing one is fine, and a folder still filling is tried again.
    private static func remove(_ url: URL) {
        for _ in 0..<3 {
            do {
                try FileManager.default.removeItem(at: url)
                return
            } catch {
                if !FileManager.default.fileExists(atPath: url.path) { return }
            }
        }
    }

    /// The file for a key. Keys are relative paths of plain segments; anything that could
    /// escape the root (`..`, absolute paths, empty segments) is refused.
    func path(for key: String) throws -> URL {
        try BlobKeys.validate(key)
        return root.appendingPathComponent(key)
    }
}
