import AWSBackends
import AWSSigning
import ArgumentParser
import Configuration
import Foundation
import Server

/// `darkroom migrate`: creates what the metadata store needs before the first start: the
/// DynamoDB table and its indexes, or the SQLite schema.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create the metadata store's table (dynamodb://TABLE) or schema (sqlite in --data).")

    @Option(help: "Image records: sqlite (in --data), or dynamodb://TABLE.") var metadata: String = "sqlite"
    @Option(help: "Where the SQLite database lives (default ./data).") var data: String = "data"

    func run() async throws {
        if metadata.hasPrefix("dynamodb://") {
            let table = String(metadata.dropFirst("dynamodb://".count))
            guard !table.isEmpty else { throw ValidationError("--metadata dynamodb:// needs a table name") }
            let environment: AWSEnvironment
            do {
                environment = try AWSEnvironment.load()
            } catch let error as AWSConfigurationError {
                throw ValidationError(error.description)
            }
            try await DynamoDBMetadataStore.createTable(client: DynamoDBClient(environment: environment), table: table)
            print("DynamoDB table \(table) is ready (indexes status-id and kind-id).")
        } else if metadata == "sqlite" {
            var settings = ServerConfiguration()
            settings.dataDirectory = data
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            _ = try await Backends.make(settings, data: URL(fileURLWithPath: data))
            print("SQLite database \(data)/darkroom.sqlite is ready.")
        } else {
            throw ValidationError("--metadata must be sqlite or dynamodb://TABLE, not '\(metadata)'")
        }
    }
}
