import AWSBackends
import AWSSigning
import Foundation

/// Load on an S3 bucket, with its AWS clients built here rather than by the command: the drop
/// target, checked to exist, and the watchers that hear the drops finish in AWS.
public struct S3Load: Sendable {
    public let target: S3DropTarget
    let aws: AWSEnvironment

    /// Opens `s3://bucket/prefix` with the AWS settings of the environment and checks that the
    /// bucket answers; a `LoadError` naming TARGET otherwise.
    public static func open(_ target: String, images: LoadImages, environment: [String: String] = ProcessInfo.processInfo.environment)
        async throws -> S3Load
    {
        let aws: AWSEnvironment
        let location: S3Location
        do {
            aws = try AWSEnvironment.load(environment: environment)
            location = try S3Location(url: target)
        } catch let error as AWSConfigurationError {
            throw LoadError.usage("TARGET \(target)", error.description)
        }
        let s3 = S3Client(environment: aws)
        do {
            _ = try await s3.listKeys(bucket: location.bucket, prefix: location.prefix + "loadgen-probe-")
        } catch let error as AWSError {
            throw LoadError.usage(
                "TARGET \(target)", error.code == "NoSuchBucket" ? "the bucket does not exist" : "S3 refused: \(error.code) \(error.message)")
        } catch {
            throw LoadError.usage("TARGET \(target)", "cannot reach S3: \(error)")
        }
        return S3Load(target: S3DropTarget(s3: s3, location: location, images: images), aws: aws)
    }

    /// A watcher in AWS: `sqs://QUEUE` subscribed to the SNS topic, or `dynamodb://TABLE`; nil
    /// for anything else.
    public func watcher(_ watch: String) -> (any CompletionWatcher)? {
        if watch.hasPrefix("sqs://") { return SQSNotificationWatcher(sqs: SQSClient(environment: aws), queue: watch) }
        if watch.hasPrefix("dynamodb://"), watch.count > "dynamodb://".count {
            return MetadataWatcher(
                store: DynamoDBMetadataStore(client: DynamoDBClient(environment: aws), table: String(watch.dropFirst("dynamodb://".count))))
        }
        return nil
    }
}
