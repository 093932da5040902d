import ArgumentParser
import FaceDetection
import Foundation
import Imaging
import Pipeline

/// `darkroom detect FILE...`: the faces the detector finds in each file, as one JSON object
/// mapping each path to its boxes `[x, y, width, height, score]` in pixels of the upright image,
/// plus the detector's time per image on standard error. For checking the detector on a
/// labelled set (`make bench` scores it), and for a person who wants to see what it sees.
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect", abstract: "Find faces in image files; print {path: [[x, y, width, height, score], ...]} as JSON.")

    @Argument(help: "Image files.")
    var files: [String]

    @OptionGroup var faceOptions: FaceOptions

    @OptionGroup var limitOptions: LimitOptions

    func run() throws {
        guard let settings = faceOptions.settings(locate: true) else {
            throw ValidationError("the face model (\(FaceModel.fileName)) was not found; \(FaceModel.installHint)")
        }
        let detector: CenterFaceDetector
        do {
            detector = try CenterFaceDetector(settings: settings)
        } catch let error as ImagingError {
            throw ValidationError(error.message)
        }
        let limits = try limitOptions.limits
        var answer: [String: [[Double]]] = [:]
        var failed = false
        for file in files {
            do {
                guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
                let image = try ImageSource.open([UInt8](data), limits: limits).decode()
                let started = ContinuousClock.now
                let faces = try detector.faces(in: image)
                let elapsed = ContinuousClock.now - started
                let (w, h) = (Double(image.width), Double(image.height))
                answer[file] = faces.map { [$0.x * w, $0.y * h, $0.width * w, $0.height * h, $0.score ?? 0] }
                let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
                FileHandle.standardError.write(Data("\(file): \(faces.count) faces in \(String(format: "%.1f", ms)) ms\n".utf8))
            } catch let error as ImagingError {
                FileHandle.standardError.write(Data("\(file): \(error.message)\n".utf8))
                failed = true
            }
        }
        let json = try JSONSerialization.data(withJSONObject: answer, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
        if failed { throw ExitCode(1) }
    }
}
