import BlockingWork
import FaceDetection
import Foundation
import Imaging
import Logging
import Pipeline

#if canImport(Glibc)
    import Glibc
#endif

/// The loop a render child runs (`darkroom render-child`): read a request from standard input,
/// run the recipe, write the result to standard output, until standard input ends.
///
/// The child holds nothing that matters: when libvips aborts it, the supervisor sees the stream
/// end, knows which job it held, and starts another child. When the supervisor dies, the
/// child's standard input ends and it exits after the render in hand.
public enum RenderChild {
    /// The arguments that start a child with these recipes and limits; `darkroom render-child`
    /// reads them with the same option names as `darkroom process`.
    public static func arguments(recipesFile: String?, limits: Limits, faces: FaceSettings?) -> [String] {
        var arguments = ["render-child"]
        if let recipesFile { arguments += ["--recipes", URL(fileURLWithPath: recipesFile).standardizedFileURL.path] }
        if let faces {
            arguments += [
                "--faces-model", URL(fileURLWithPath: faces.modelPath).standardizedFileURL.path, "--faces-probe", String(faces.probe),
                "--faces-threshold", String(faces.threshold),
            ]
        }
        arguments += [
            "--max-pixels", String(limits.maxPixels), "--max-bytes", String(limits.maxFileBytes), "--max-frames", String(limits.maxFrames),
            "--formats", limits.allowedFormats.map(\.rawValue).sorted().joined(separator: ","),
        ]
        return arguments
    }

    /// Serves requests until standard input closes. Returns the exit status.
    /// `faces`, when given, is loaded the first time a recipe needs faces.
    public static func run(catalog: RecipeCatalog, limits: Limits, faces: FaceSettings?) -> Int32 {
        // The protocol owns the real standard output; anything printed goes to standard error.
        let output = dup(STDOUT_FILENO)
        dup2(STDERR_FILENO, STDOUT_FILENO)
        let runners: [String: RecipeRunner]
        do {
            runners = try catalog.runners(limits: limits)
        } catch {
            FileHandle.standardError.write(Data("render child: \(error)\n".utf8))
            return 2
        }
        let failpoint = Failpoint.current
        let loaded: (any FaceDetector)? = faces.map { LazyFaceDetector(settings: $0) }
        let detector = failpoint?.detector ?? loaded
        while true {
            let request: (RenderWire.Request, [UInt8])?
            do {
                request = try RenderWire.read(RenderWire.Request.self, from: STDIN_FILENO, maxPayload: limits.maxFileBytes, deadline: nil)
            } catch {
                FileHandle.standardError.write(Data("render child: a broken request: \(error)\n".utf8))
                return 1
            }
            guard let (header, bytes) = request else { return 0 }
            failpoint?.check(recipe: header.recipe, source: bytes, limits: limits)
            var response = RenderWire.Response()
            var payload: [UInt8] = []
            if let transform = header.transform {
                do {
                    (response, payload) = RenderWire.encode(
                        try transform.run(bytes, limits: limits, catalog: catalog, regions: header.regions, detector: detector))
                } catch let error as ImagingError {
                    response.imagingError = error
                } catch {
                    response.renderError = "\(error)"
                }
            } else if let runner = runners[header.recipe] {
                do {
                    (response, payload) = RenderWire.encode(try runner.run(bytes, regions: header.regions, detector: detector))
                } catch let error as ImagingError {
                    response.imagingError = error
                } catch {
                    response.renderError = "\(error)"
                }
            } else {
                response.unknownRecipe = header.recipe
            }
            // Before answering: what the render freed goes back to the system, so an idle child
            // holds its baseline, not its largest image, and the supervisor, which looks at this
            // child's size once it has the answer, sees what it keeps.
            ProcessMemory.returnFreeMemory()
            do {
                try RenderWire.write(response, payload: payload, to: output)
            } catch {
                return 1
            }
        }
    }
}

extension ChildRenderer {
    /// Render children that run this binary with the given recipes, limits and face settings:
    /// the one set-up for the service's workers, on-the-fly URLs and `darkroom process`.
    public static func ofThisBinary(
        recipesFile: String?, limits: Limits, faces: FaceSettings?, slots: Int, timeout: Duration, logLabel: String,
        recycleAboveBytes: Int = Settings.defaultRecycleAboveBytes
    ) -> ChildRenderer {
        var settings = Settings(
            executable: Settings.currentExecutable, arguments: RenderChild.arguments(recipesFile: recipesFile, limits: limits, faces: faces),
            slots: slots, timeout: timeout, maxSourceBytes: limits.maxFileBytes)
        settings.recycleAboveBytes = recycleAboveBytes
        return ChildRenderer(settings: settings, logger: Logger(label: logLabel))
    }
}
