import Imaging

/// Finds faces in an image. The implementation (a CNN over OpenCV, in the `FaceDetection`
/// module) is handed in by whoever builds the renderer, so this module never links it.
public protocol FaceDetector: Sendable {
    /// The faces in an upright image, as `.face` regions with scores. Blocks: call it where
    /// image work runs. Throws `ImagingError.detectionFailed` when it cannot run.
    func faces(in image: Image) throws -> [Region]
}

/// How the face detector is set up, handed to render children on their command line.
public struct FaceSettings: Sendable, Equatable, Codable {
    /// The CenterFace ONNX model.
    public var modelPath: String
    /// The side of the square each image is letterboxed into for the detector (a multiple of 32).
    public var probe: Int
    /// The lowest score kept, 0 to 1.
    public var threshold: Double

    public static let defaultProbe = 640
    public static let defaultThreshold = 0.5

    public init(modelPath: String, probe: Int = defaultProbe, threshold: Double = defaultThreshold) {
        self.modelPath = modelPath
        self.probe = probe
        self.threshold = threshold
    }

    /// The probe a multiple of 32 from 128 to 2048, the threshold within 0.05…0.99.
    public func validate() throws {
        guard (128...2048).contains(probe), probe % 32 == 0 else {
            throw ImagingError.invalidArgument("faces.probe must be a multiple of 32 between 128 and 2048, not \(probe)")
        }
        guard threshold.isFinite, (0.05...0.99).contains(threshold) else {
            throw ImagingError.invalidArgument("faces.threshold must be between 0.05 and 0.99, not \(threshold)")
        }
    }
}
