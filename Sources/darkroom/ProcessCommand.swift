import ArgumentParser
import FaceDetection
import Foundation
import Imaging
import Logging
import Pipeline
import RenderIsolation

/// `darkroom process`: runs a recipe over files on disk, with no server.
struct ProcessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process",
        abstract: "Process image files or directories with a recipe, writing <out>/<input stem>/<variant>.<ext>.",
        discussion: "Exit status: 0 when every input succeeded, 1 when any failed (the others are still processed), 2 for a usage error."
    )

    @Argument(help: "Image files, or directories to walk for images.")
    var inputs: [String]

    @Option(help: "The recipe to run.")
    var recipe: String = "default"

    @Option(help: "The face detector's model (centerface.onnx); found in the usual places when not given.")
    var facesModel: String?

    @Option(help: "A YAML file of extra recipes.")
    var recipes: String?

    @Option(help: "The output directory.")
    var out: String

    @Option(help: "Images processed at once. Defaults to the number of cores.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print one JSON object per input, one per line.")
    var json = false

    @Flag(name: .shortAndLong, help: "Log per-image timings and libvips's own error details to standard error.")
    var verbose = false

    @OptionGroup var limitOptions: LimitOptions

    func validate() throws {
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 256") }
    }

    func run() async throws {
        let catalog = try RecipeCatalog.loadForCommandLine(file: recipes)
        guard let chosen = catalog.recipe(named: recipe) else {
            throw ValidationError("unknown recipe '\(recipe)'; known recipes: \(catalog.names.joined(separator: ", "))")
        }
        let limits = try limitOptions.limits
        do {
            _ = try RecipeRunner(recipe: chosen, limits: limits)
        } catch let error as ImagingError {
            throw ValidationError("recipe '\(recipe)': \(error.message)")
        }
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw ValidationError("cannot create the output directory \(out): \(error.localizedDescription)")
        }
        let (files, skipped) = InputCollector.collect(inputs)
        guard !files.isEmpty else {
            throw ValidationError("no image files found in: \(inputs.joined(separator: ", "))")
        }

        let started = Date()
        let progress = ProgressBar(total: files.count)
        // Each image is rendered in a child process, so an image that crashes libvips fails alone.
        let renderer = ChildRenderer.ofThisBinary(
            recipesFile: recipes, limits: limits, faces: FaceModel.locate(configured: facesModel).map { FaceSettings(modelPath: $0) }, slots: jobs,
            timeout: .seconds(600), logLabel: "darkroom.process")
        defer { renderer.shutDown() }
        let writer = VariantWriter(root: out, recipe: recipe, renderer: renderer, maxFileBytes: limits.maxFileBytes, logTimings: verbose)
        var failed = 0
        var variantsWritten = 0
        var done = 0
        await withTaskGroup(of: ProcessReport.self) { group in
            var pending = files.makeIterator()
            func startNext() {
                guard let file = pending.next() else { return }
                group.addTask {
                    do {
                        return try await writer.process(file)
                    } catch {
                        if verbose, let error = error as? ImagingError, !error.detail.isEmpty {
                            progress.log("\(file.path): \(error.description): \(error.detail)")
                        }
                        return .failed(file.path, VariantWriter.message(for: error))
                    }
                }
            }
            for _ in 0..<jobs { startNext() }
            for await report in group {
                done += 1
                if report.status == "failed" {
                    failed += 1
                    if !json { progress.log("failed: \(report.input): \(report.error ?? "")") }
                } else {
                    variantsWritten += report.variants.count
                }
                if json { print(report.jsonLine) }
                progress.update(done: done, failed: failed)
                startNext()
            }
        }
        let seconds = Date().timeIntervalSince(started)
        let rate = Double(files.count) / max(seconds, 0.001)
        var summary = "\(files.count) input\(files.count == 1 ? "" : "s"): \(files.count - failed) completed, \(failed) failed; "
        summary += "\(variantsWritten) variants written to \(out) in \(String(format: "%.2f", seconds)) s (\(String(format: "%.1f", rate)) images/s)"
        if skipped > 0 { summary += "; \(skipped) non-image file\(skipped == 1 ? "" : "s") skipped" }
        progress.log(summary)
        if failed > 0 { throw ExitCode(1) }
    }
}
