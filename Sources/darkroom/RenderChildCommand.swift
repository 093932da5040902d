import ArgumentParser
import Foundation
import Pipeline
import RenderIsolation

/// `darkroom render-child`: the child process that does image work for `serve`, `worker` and
/// `process`. Started by them, never by hand; it speaks a binary protocol on its standard input
/// and output.
struct RenderChildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render-child",
        abstract: "Internal: render images for a supervising darkroom process.",
        shouldDisplay: false
    )

    @Option(help: "A YAML file of extra recipes.")
    var recipes: String?

    @OptionGroup var limitOptions: LimitOptions

    @Option(help: "The face detector's model; without it, face redaction fails closed.")
    var facesModel: String?

    @Option(help: "The face detector's probe side in pixels.")
    var facesProbe: Int = FaceSettings.defaultProbe

    @Option(help: "The face detector's lowest score kept.")
    var facesThreshold: Double = FaceSettings.defaultThreshold

    func run() throws {
        let catalog = try RecipeCatalog.load(file: recipes)
        let faces = facesModel.map { FaceSettings(modelPath: $0, probe: facesProbe, threshold: facesThreshold) }
        let status = RenderChild.run(catalog: catalog, limits: try limitOptions.limits, faces: faces)
        if status != 0 { throw ExitCode(status) }
    }
}
