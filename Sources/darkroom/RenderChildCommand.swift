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

    /// Without a model, face redaction fails closed.
    @OptionGroup var faceOptions: FaceOptions

    func run() throws {
        let catalog = try RecipeCatalog.load(file: recipes)
        let status = RenderChild.run(catalog: catalog, limits: try limitOptions.limits, faces: faceOptions.settings(locate: false))
        if status != 0 { throw ExitCode(status) }
    }
}
