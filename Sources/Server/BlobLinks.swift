import Foundation

/// How the API links to an original or a variant: straight to the bucket with a presigned URL
/// when storage is S3 and `s3.presignedLinks` is on; else through the API, signed when API keys
/// are on so an `<img>` tag can load it; else the plain API path.
struct BlobLinks: Sendable {
    var signer: URLSigner?
    var direct: (@Sendable (String) -> String?)?

    func url(path: String, key: String) -> String {
        direct?(key) ?? signer?.sign(path) ?? path
    }
}
