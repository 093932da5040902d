import ArgumentParser
import Composition

/// `darkroom configuration-keys`: the table of every configuration key, as Markdown, for
/// `make docs` to write into `docs/configuration.md`.
struct ConfigurationKeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "configuration-keys", abstract: "Print every configuration key as a Markdown table (docs/configuration.md).")

    func run() {
        print(ConfigurationKey.markdownTable)
    }
}
