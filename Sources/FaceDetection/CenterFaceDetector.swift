import CFaceDetect
import Foundation
import Imaging
import Pipeline
import Synchronization

/// CenterFace (a CNN, MIT licence, WIDER FACE 0.94/0.93/0.88 easy/medium/hard as published) run
/// by OpenCV's DNN module on a fixed, letterboxed square probe of each image.
///
/// `@unchecked Sendable`: the C detector is not thread-safe, so every call holds `lock`; the
/// handle is written once, in `init`.
public final class CenterFaceDetector: FaceDetector, @unchecked Sendable {
    private let handle: OpaquePointer
    private let lock = NSLock()
    public let settings: FaceSettings

    /// The most faces reported for one image.
    static let maxFaces = Region.maxPerImage

    /// Loads the model and runs it once on a blank probe, so a missing or corrupt file is an
    /// error now, naming what to install.
    public init(settings: FaceSettings) throws {
        try settings.validate()
        guard FileManager.default.isReadableFile(atPath: settings.modelPath) else {
            throw ImagingError.detectionFailed(
                "the face model \(settings.modelPath) is missing or unreadable; \(FaceModel.installHint)")
        }
        var error = [CChar](repeating: 0, count: 512)
        guard let opened = dr_faces_open(settings.modelPath, Int32(settings.probe), &error, error.count) else {
            let detail = String(cString: error)
            throw ImagingError.detectionFailed(
                "the face model \(settings.modelPath) could not be loaded (\(detail.prefix(200))); \(FaceModel.installHint)", detail: detail)
        }
        handle = opened
        self.settings = settings
    }

    deinit { dr_faces_close(handle) }

    public func faces(in image: Image) throws -> [Region] {
        let probe = try image.probe(maxSide: settings.probe)
        var boxes = [dr_face_box](repeating: dr_face_box(), count: Self.maxFaces)
        var error = [CChar](repeating: 0, count: 512)
        let found = lock.withLock {
            probe.pixels.withUnsafeBufferPointer { pixels in
                dr_faces_detect(
                    handle, pixels.baseAddress, Int32(probe.width), Int32(probe.height), Int32(probe.bands), probe.width * probe.bands,
                    Float(settings.threshold), &boxes, Int32(boxes.count), &error, error.count)
            }
        }
        guard found >= 0 else { throw ImagingError.detectionFailed("the detector failed", detail: String(cString: error)) }
        let (w, h) = (Double(probe.width), Double(probe.height))
        return boxes.prefix(Int(found)).map { box in
            let x = min(1, max(0, Double(box.x) / w))
            let y = min(1, max(0, Double(box.y) / h))
            return Region(
                x: x, y: y, width: min(1 - x, Double(box.width) / w), height: min(1 - y, Double(box.height) / h), kind: .face,
                score: (Double(box.score) * 1000).rounded() / 1000)
        }
    }
}

extension CenterFaceDetector {
    /// Settings whose model loaded and ran in this process: checked once, not once per start of
    /// a component (a test process starts many).
    private static let checked = Mutex<Set<String>>([])

    /// Loads the model once and runs it on a blank probe, so a missing or corrupt file is an
    /// error at start-up; a model already checked in this process (same file, size and date)
    /// is not loaded again.
    public static func check(_ settings: FaceSettings) throws {
        let attributes = try? FileManager.default.attributesOfItem(atPath: settings.modelPath)
        let key = "\(settings.modelPath)|\(settings.probe)|\(attributes?[.size] ?? 0)|\(attributes?[.modificationDate] ?? 0)"
        if checked.withLock({ $0.contains(key) }) { return }
        _ = try CenterFaceDetector(settings: settings)
        checked.withLock { _ = $0.insert(key) }
    }
}

/// Loads the detector the first time it is asked for faces, and keeps it (or the error) for
/// later images: a render child that never meets a redacting recipe never pays for the model.
///
/// `@unchecked Sendable`: `state` is only touched with `lock` held.
public final class LazyFaceDetector: FaceDetector, @unchecked Sendable {
    private let settings: FaceSettings
    private let lock = NSLock()
    private var state: Result<CenterFaceDetector, ImagingError>?

    public init(settings: FaceSettings) { self.settings = settings }

    public func faces(in image: Image) throws -> [Region] {
        let detector = try lock.withLock { () throws -> CenterFaceDetector in
            if state == nil {
                do {
                    state = .success(try CenterFaceDetector(settings: settings))
                } catch let error as ImagingError {
                    state = .failure(error)
                } catch {
                    state = .failure(.detectionFailed("the face model could not be loaded", detail: "\(error)"))
                }
            }
            return try state!.get()
        }
        return try detector.faces(in: image)
    }
}
