import AWSSigning
import Foundation

/// `s3://bucket/prefix`: a bucket and a key prefix within it (empty, or ending in `/`).
public struct S3Location: Sendable, Equatable, CustomStringConvertible {
    public var bucket: String
    public var prefix: String

    public init(bucket: String, prefix: String = "") {
        self.bucket = bucket
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
    }

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
        guard !prefix.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) else {
            throw AWSConfigurationError("The prefix of '\(text)' may not contain . or .. segments.")
        }
        self.init(bucket: bucket, prefix: prefix)
    }

    public var description: String { "s3://\(bucket)/\(prefix)" }

    /// True when `key` in `bucket` lies inside this location.
    public func contains(bucket: String, key: String) -> Bool {
        bucket == self.bucket && key.hasPrefix(prefix)
    }

    /// True when one location lies inside the other, so reading one would see the other's writes.
    public func overlaps(_ other: S3Location) -> Bool {
        bucket == other.bucket && (prefix.hasPrefix(other.prefix) || other.prefix.hasPrefix(prefix))
    }

    static func isValidBucket(_ name: String) -> Bool {
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") }
        let edges = [name.first, name.last].allSatisfy { $0.map { $0.isLowercase || $0.isNumber } ?? false }
        return (3...63).contains(name.count) && allowed && edges
    }
}
