import AWSBackends
import AWSSigning
import BlockingWork
import Foundation
import Pipeline

/// Where `darkroom ingest` takes objects from, built in the root so the command touches no
/// backend module: an S3 prefix (read with the AWS settings of the environment) or a folder.
public struct DropSource: Sendable {
    public let reader: any DropReader
    public let location: BucketLocation
    /// Everything there now, as drop events.
    public let list: @Sendable () async throws -> [DroppedObject]

    /// `s3://bucket/prefix`, or a folder (whose `skipping` subfolder is left out: the data
    /// folder, when the folder holds it). A source that is neither is a `ConfigurationError`.
    public static func open(
        _ source: String, skipping: URL?, pool: BlockingPool, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> DropSource {
        if source.hasPrefix("s3://") {
            let location: S3Location
            let aws: AWSEnvironment
            do {
                location = try S3Location(url: source)
                aws = try AWSEnvironment.load(environment: environment)
            } catch let error as AWSConfigurationError {
                throw ConfigurationError(error.description)
            }
            let s3 = S3Client(environment: aws)
            return DropSource(reader: s3, location: location) {
                try await s3.listObjects(bucket: location.bucket, prefix: location.prefix).map {
                    DroppedObject(bucket: location.bucket, key: $0.key, version: $0.eTag, isCreation: true)
                }
            }
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConfigurationError("\(source) is neither s3://bucket/prefix nor a folder")
        }
        let folder = DirectoryDropReader(root: URL(fileURLWithPath: source), pool: pool)
        return DropSource(reader: folder, location: folder.location) { try await folder.files(skipping: skipping) }
    }
}
