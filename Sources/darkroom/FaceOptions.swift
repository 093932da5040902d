import ArgumentParser
import FaceDetection
import Pipeline

/// The face detector's options, as `render-child` and `detect` take them.
struct FaceOptions: ParsableArguments {
    @Option(help: "The face detector's model (centerface.onnx).")
    var facesModel: String?

    @Option(help: "The face detector's probe side in pixels, a multiple of 32.")
    var facesProbe: Int = FaceSettings.defaultProbe

    @Option(help: "The face detector's lowest score kept.")
    var facesThreshold: Double = FaceSettings.defaultThreshold

    /// The settings with the model given, or found in the usual places when `locate` is set.
    func settings(locate: Bool) -> FaceSettings? {
        let model = locate ? FaceModel.locate(configured: facesModel) : facesModel
        return model.map { FaceSettings(modelPath: $0, probe: facesProbe, threshold: facesThreshold) }
    }
}
