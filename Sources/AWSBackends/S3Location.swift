import AWSSigning
import Foundation
import Pipeline

/// `s3://bucket/prefix`: a bucket and a key prefix within it. Containment, the rule that keeps
/// outputs from being ingested again, is `BucketLocation`'s; this adds S3's naming rules.
public typealias S3Location = BucketLocation

extension BucketLocation {
    /// Parses `s3://bucket` or `s3://bucket/some/prefix`.
    public init(url text: String) throws {
        guard text.hasPrefix("s3://") else {
            throw AWSConfigurationError("'\(text)' is not an S3 location: write s3://bucket or s3://bucket/prefix.")
        }
        let rest = text.dropFirst("s3://".count)
        let bucket = String(rest.prefix { $0 != "/" })
        let prefix = String(rest.dropFirst(bucket.count).drop { $0 == "/" })
        guard Self.isValidBucket(bucket) else {
            throw AWSConfigurationError("'\(bucket)' is not a valid bucket name: 3 to 63 lower-case letters, digits, dots and hyphens.")
        }
        guard RelativePath.staysInside(prefix, allowingEmptySegments: true) else {
            throw AWSConfigurationError("The prefix of '\(text)' may not contain . or .. segments.")
        }
        self.init(bucket: bucket, prefix: prefix)
    }

    static func isValidBucket(_ name: String) -> Bool {
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") }
        let edges = [name.first, name.last].allSatisfy { $0.map { $0.isLowercase || $0.isNumber } ?? false }
        return (3...63).contains(name.count) && allowed && edges
    }
}
