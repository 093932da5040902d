import Foundation
import Imaging
import Pipeline

/// Reads one input file, runs the recipe, and writes its variants. Every variant is rendered
/// in memory before the first file is written, and each file is written atomically, so a
/// failure never leaves a half-written output.
struct VariantWriter: Sendable {
    let root: String
    let recipe: String
    let renderer: any Renderer
    let maxFileBytes: Int
    /// Log the decode shrink and each phase's time to standard error.
    var logTimings = false

    func process(_ file: InputFile) async throws -> ProcessReport {
        let bytes = try read(file.path)
        let result = try await renderer.render(Array(bytes), recipe: recipe)
        if logTimings {
            let parts = result.variants.map { "\($0.name) \(Int($0.milliseconds)) ms" }.joined(separator: ", ")
            FileHandle.standardError.write(
                Data("\(file.path): shrink \(result.decodeShrink), decode \(Int(result.decodeMilliseconds)) ms, \(parts)\n".utf8))
        }
        let folder = (root as NSString).appendingPathComponent(file.stem)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var variants: [ProcessReport.VariantReport] = []
        for variant in result.variants {
            let path = (folder as NSString).appendingPathComponent("\(variant.name).\(variant.image.format.fileExtension)")
            try Data(variant.image.bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
            variants.append(
                .init(
                    name: variant.name, path: path, width: variant.image.width, height: variant.image.height,
                    bytes: variant.image.bytes.count, format: variant.image.format.rawValue, quality: variant.image.qualityChoice))
        }
        return ProcessReport(input: file.path, status: "completed", error: nil, variants: variants)
    }

    /// Reads at most one byte past the limit, so a huge file is refused without loading it.
    private func read(_ path: String) throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw InputError(message: exists ? (isDirectory.boolValue ? "this is a directory" : "permission denied") : "no such file")
        }
        defer { try? handle.close() }
        let limit = maxFileBytes
        let data = try handle.read(upToCount: limit + 1) ?? Data()
        if data.count > limit {
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? data.count
            throw ImagingError.fileTooLarge(bytes: size, limit: limit)
        }
        return data
    }

    /// The message a person sees for a failed input.
    static func message(for error: Error) -> String {
        switch error {
        case let error as ImagingError: error.message
        case let error as InputError: error.message
        case let error as RenderError: error.message
        default: "\(error.localizedDescription)"
        }
    }
}

/// A problem reading an input file itself.
struct InputError: Error {
    var message: String
}
