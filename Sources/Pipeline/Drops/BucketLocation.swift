/// A bucket and a key prefix within it (empty, or ending in `/`): where images are dropped, or
/// where outputs go. Written `s3://bucket/prefix`; AWSBackends calls it `S3Location` and parses it.
public struct BucketLocation: Sendable, Hashable, CustomStringConvertible {
    public var bucket: String
    public var prefix: String

    public init(bucket: String, prefix: String = "") {
        self.bucket = bucket
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
    }

    public var description: String { "s3://\(bucket)/\(prefix)" }

    /// True when `key` in `bucket` lies inside this location.
    public func contains(bucket: String, key: String) -> Bool {
        bucket == self.bucket && key.hasPrefix(prefix)
    }

    /// True when one location lies inside the other, so reading one would see the other's writes.
    public func overlaps(_ other: BucketLocation) -> Bool {
        bucket == other.bucket && (prefix.hasPrefix(other.prefix) || other.prefix.hasPrefix(prefix))
    }
}

/// The input and output locations overlap, which would feed outputs back in.
public struct OverlappingLocationsError: Error, CustomStringConvertible {
    public var input: BucketLocation
    public var output: BucketLocation

    public init(input: BucketLocation, output: BucketLocation) {
        self.input = input
        self.output = output
    }

    public var description: String {
        "--input \(input) and --output \(output) overlap: variants written to the output would be ingested again. Use separate buckets or prefixes."
    }
}
