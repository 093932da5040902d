import Foundation
import Pipeline

/// Darkroom's own on-the-fly URLs: `/transform/RECIPE/VARIANT/SOURCE`, a recipe's variant
/// rendered from a stored image's id or any source the other dialects take. When API keys are
/// on, the URL carries `?expires=…&signature=…` from `URLSigner` (what the API hands out), so
/// an `<img>` tag can fetch it without a header.
public struct RecipeDialect: Sendable {
    /// Where the dialect is mounted; the signature covers the path from here.
    public static let mount = "/transform"

    /// Nil when the API is open: the URLs are then unsigned.
    let signer: URLSigner?
    /// Whether a recipe has such a variant (the recipes live in the service, not here).
    let hasVariant: @Sendable (_ recipe: String, _ variant: String) -> Bool

    public init(signer: URLSigner?, hasVariant: @escaping @Sendable (_ recipe: String, _ variant: String) -> Bool) {
        self.signer = signer
        self.hasVariant = hasVariant
    }

    /// `path` is what follows the mount, beginning with `/`.
    public func parse(_ path: String, expires: String?, signature: String?, now: Date = Date()) throws -> TransformRequest {
        let parts = path.drop { $0 == "/" }.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, !parts[2].isEmpty else { throw DialectError.badSource("a recipe URL is /transform/RECIPE/VARIANT/SOURCE") }
        if let signer {
            guard signer.verify(path: Self.mount + path, expires: expires, signature: signature, now: now) else {
                throw DialectError.badSignature("the URL's signature is missing, wrong or expired")
            }
        }
        guard hasVariant(parts[0], parts[1]) else {
            throw DialectError.badOption("there is no variant '\(parts[1])' in a recipe '\(parts[0])'")
        }
        guard let text = parts[2].removingPercentEncoding else { throw DialectError.badSource("the source is not valid") }
        let source = ImageID.isValid(text) ? SourceReference.stored(id: text) : try SourceReference.parse(text)
        var spec = TransformSpec()
        spec.variantOf = .init(recipe: parts[0], variant: parts[1])
        return TransformRequest(source: source, spec: spec)
    }
}
