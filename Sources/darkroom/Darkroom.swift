import ArgumentParser
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
            RenderChildCommand.self,
        ]
    )
}

/// The entry point. ArgumentParser exits 64 on a usage error; Darkroom promises 2, so usage
/// errors are caught here, printed with the usage text, and mapped.
@main
enum Main {
    static func main() async {
        do {
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
