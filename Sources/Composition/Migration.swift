import AWSBackends
import AWSSigning
import Foundation
import Pipeline
import PostgresBackend
import SQLiteBackend

/// `darkroom migrate`'s work, in the root beside `Backends`, so the command itself touches no
/// backend module: creates or upgrades what the metadata store needs before the first start
/// (the DynamoDB table and its indexes, PostgreSQL's schema, the SQLite database).
public enum Migration {
    /// Migrates the store `metadata` names and says, for a person, what is ready. A
    /// configuration that cannot work, and a PostgreSQL server that cannot be reached or
    /// migrated, are a `ConfigurationError` naming the cause (passwords redacted).
    public static func run(metadata: String, data: String, environment: [String: String] = ProcessInfo.processInfo.environment) async throws
        -> String
    {
        switch try BackendPlan.metadata(metadata, environment: environment) {
        case .dynamoDB(let table):
            let aws: AWSEnvironment
            do {
                aws = try AWSEnvironment.load(environment: environment)
            } catch let error as AWSConfigurationError {
                throw ConfigurationError(error.description)
            }
            try await DynamoDBMetadataStore.createTable(client: DynamoDBClient(environment: aws), table: table)
            return "DynamoDB table \(table) is ready (indexes status-id and kind-id)."
        case .postgres(let settings):
            let store = try PostgresStore(settings: settings)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.service.run() }
                defer { group.cancelAll() }
                do {
                    try await store.migrate()
                } catch {
                    throw ConfigurationError("cannot migrate \(settings.description): \(String(reflecting: error))")
                }
            }
            return "PostgreSQL database \(settings.description) is ready (schema version \(PostgresStore.schemaVersion))."
        case .sqlite:
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            try await SQLiteStore(unopened: URL(fileURLWithPath: data).appendingPathComponent("darkroom.sqlite").path).prepare()
            return "SQLite database \(data)/darkroom.sqlite is ready."
        }
    }
}
