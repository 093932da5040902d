import Foundation
import Imaging

/// One input of a `process` run, with the output folder name it will be written under.
struct InputFile: Sendable {
    var path: String
    /// Unique within the run, safe as a single path segment.
    var stem: String
}

/// Expands the command line's files and directories into a list of inputs.
///
/// A file named on the command line is always processed: its format is decided by its bytes.
/// A directory is walked recursively, in name order, taking files whose extension looks like an
/// image or whose first bytes do; the rest (READMEs, checksums) are counted and skipped.
enum InputCollector {
    static let imageExtensions: Set<String> = [
        "jpg", "jpeg", "jpe", "jfif", "png", "apng", "gif", "webp", "tif", "tiff", "heic", "heif", "hif", "avif", "avifs", "mpo",
        "bmp", "ico", "svg", "j2k", "jp2", "jxl", "ppm", "pgm", "pbm", "psd",
    ]

    static func collect(_ arguments: [String]) -> (inputs: [InputFile], skipped: Int) {
        var paths: [String] = []
        var skipped = 0
        let fm = FileManager.default
        for argument in arguments {
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: argument, isDirectory: &isDirectory), isDirectory.boolValue {
                let files = (fm.enumerator(atPath: argument)?.allObjects as? [String] ?? []).sorted()
                for relative in files where !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
                    let full = (argument as NSString).appendingPathComponent(relative)
                    var isDir: ObjCBool = false
                    guard fm.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue else { continue }
                    if looksLikeImage(full) { paths.append(full) } else { skipped += 1 }
                }
            } else {
                paths.append(argument)
            }
        }
        return (uniqueStems(paths), skipped)
    }

    private static func looksLikeImage(_ path: String) -> Bool {
        if imageExtensions.contains((path as NSString).pathExtension.lowercased()) { return true }
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return ImageFormat.looksLikeImage([UInt8]((try? handle.read(upToCount: 256)) ?? Data()))
    }

    /// File stems, made safe as folder names and unique in input order: `a`, `a-2`, `a-3`.
    static func uniqueStems(_ paths: [String]) -> [InputFile] {
        var used: Set<String> = []
        return paths.map { path in
            let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            var stem = String(base.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
            if stem.isEmpty || stem.allSatisfy({ $0 == "." }) { stem = "image" }
            var candidate = stem
            var n = 2
            while used.contains(candidate) {
                candidate = "\(stem)-\(n)"
                n += 1
            }
            used.insert(candidate)
            return InputFile(path: path, stem: candidate)
        }
    }
}
