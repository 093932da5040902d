import ArgumentParser
import Composition
import Pipeline

/// `darkroom migrate`: creates what the metadata store needs before the first start: the
/// DynamoDB table and its indexes, PostgreSQL's schema, or the SQLite database (`Migration`).
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade the metadata store's schema: sqlite in --data, postgres://…, or the dynamodb://TABLE table.")

    @Option(help: "Image records: sqlite (in --data), postgres://USER:PASSWORD@HOST:PORT/DB, or dynamodb://TABLE.") var metadata: String = "sqlite"
    @Option(help: "Where the SQLite database lives (default ./data).") var data: String = "data"

    func run() async throws {
        do {
            print(try await Migration.run(metadata: metadata, data: data))
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
    }
}
