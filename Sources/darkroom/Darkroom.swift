import ArgumentParser
import BlockingWork
import Foundation
import Imaging

/// The `darkroom` command line.
struct Darkroom: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "darkroom",
        abstract: "A self-hosted image processing pipeline.",
        version: "0.1.0 (libvips \(Vips.version))",
        subcommands: [
            ServeCommand.self, WorkerCommand.self, MigrateCommand.self, ProcessCommand.self, RecipesCommand.self, LoadgenCommand.self,
            RenderChildCommand.self, LambdaCommand.self, IngestCommand.self, DetectCommand.self, ConfigurationKeysCommand.self,
        ]
    )
}

/// The entry point. ArgumentParser exits 64 on a usage error; Darkroom promises 2, so usage
/// errors are caught here, printed with the usage text, and mapped.
@main
enum Main {
    static func main() async {
        ProcessMemory.tuneAllocator()
        do {
            // On Lambda the image's own command (`serve`, or none) runs the function instead.
            // Other commands, the render children first of all, run as they are.
            let arguments = CommandLine.arguments.dropFirst()
            if ProcessInfo.processInfo.environment["AWS_LAMBDA_RUNTIME_API"] != nil,
                arguments.first.map({ ["serve", "worker"].contains($0) }) ?? true
            {
                return try await LambdaCommand.run(runtimeAPI: nil, config: nil)
            }
            var command = try Darkroom.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if Darkroom.exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((Darkroom.fullMessage(for: error) + "\n").utf8))
                exit(2)
            }
            Darkroom.exit(withError: error)
        }
    }
}
