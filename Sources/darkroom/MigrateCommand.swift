import AWSBackends
import AWSSigning
import ArgumentParser
import Composition
import Foundation
import PostgresBackend
import SQLiteBackend

/// `darkroom migrate`: creates what the metadata store needs before the first start: the
/// DynamoDB table and its indexes, or the SQLite schema. The same steps `Runtime.prepare` runs.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade the metadata store's schema: sqlite in --data, postgres://…, or the dynamodb://TABLE table.")

    @Option(help: "Image records: sqlite (in --data), postgres://USER:PASSWORD@HOST:PORT/DB, or dynamodb://TABLE.") var metadata: String = "sqlite"
    @Option(help: "Where the SQLite database lives (default ./data).") var data: String = "data"

    func run() async throws {
        let plan: BackendPlan.Metadata
        do {
            plan = try BackendPlan.metadata(metadata)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        switch plan {
        case .dynamoDB(let table):
            let environment: AWSEnvironment
            do {
                environment = try AWSEnvironment.load()
            } catch let error as AWSConfigurationError {
                throw ValidationError(error.description)
            }
            try await DynamoDBMetadataStore.createTable(client: DynamoDBClient(environment: environment), table: table)
            print("DynamoDB table \(table) is ready (indexes status-id and kind-id).")
        case .postgres(let settings):
            let store = try PostgresStore(settings: settings)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.service.run() }
                defer { group.cancelAll() }
                do {
                    try await store.migrate()
                } catch {
                    throw ValidationError("cannot migrate \(settings.description): \(String(reflecting: error))")
                }
            }
            print("PostgreSQL database \(settings.description) is ready (schema version \(PostgresStore.schemaVersion)).")
        case .sqlite:
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            try await SQLiteStore(unopened: URL(fileURLWithPath: data).appendingPathComponent("darkroom.sqlite").path).prepare()
            print("SQLite database \(data)/darkroom.sqlite is ready.")
        }
    }
}
