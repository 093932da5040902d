import BlockingWork
import Foundation
import Imaging
import Logging
import NIOCore
import Pipeline
import URLDialects

/// Serves on-the-fly transformations, whatever dialect named them: resolve the source within
/// what is allowed, answer from the cache when the same transformation of the same source is
/// there, else render once for every identical request in flight, on renderers of its own
/// (never the eager workers'), behind a bounded gate.
public struct TransformService: Sendable {
    public let settings: TransformSettings
    public let imgproxy: ImgproxyDialect
    public let thumbor: ThumborDialect
    public let metrics: TransformMetrics
    let resolver: SourceResolver
    let cache: TransformCache?
    let coalescer = RenderCoalescer<TransformResult>()
    let gate: RenderGate
    var renderer: any Renderer
    let catalog: RecipeCatalog
    let logger: Logger

    /// How a request was answered.
    public struct Outcome: Sendable {
        public enum Source: String, Sendable {
            case cache, render, coalesced
            /// `If-None-Match` named this result: nothing was read or rendered.
            case notModified = "not_modified"
        }

        /// Nil when `source` is `notModified`.
        public var result: TransformResult?
        public var source: Source
        /// The result's entity tag (quoted): a digest of the transformation and the source's
        /// identity, the same for every dialect that means the same picture.
        public var etag: String
        /// The bytes depend on the request's `Accept`: answer with `Vary: Accept`.
        public var variesByAccept: Bool
    }

    public init(
        settings: TransformSettings, resolver: SourceResolver, cache: TransformCache?, renderer: any Renderer, catalog: RecipeCatalog,
        metrics: TransformMetrics, logger: Logger
    ) throws {
        self.settings = settings
        do {
            let signer = try settings.imgproxyKeys.map {
                try ImgproxySigner(keys: $0, salts: settings.imgproxySalts ?? "", size: settings.imgproxySignatureSize)
            }
            imgproxy = ImgproxyDialect(
                settings: .init(
                    signer: signer, allowUnsigned: settings.allowUnsigned,
                    presets: try settings.imgproxyPresets.map(ImgproxyDialect.Settings.presets) ?? [:],
                    watermarkPath: settings.watermark.map { URL(fileURLWithPath: $0).standardizedFileURL.path }))
        } catch let error as DialectError {
            throw ConfigurationError(error.message)
        }
        thumbor = ThumborDialect(settings: .init(signer: settings.thumborSecurityKey.map(ThumborSigner.init), allowUnsigned: settings.allowUnsigned))
        self.resolver = resolver
        self.cache = cache
        self.renderer = renderer
        self.catalog = catalog
        self.metrics = metrics
        self.logger = logger
        gate = RenderGate(capacity: settings.workers + settings.maxQueue)
    }

    /// Answers one parsed request. `accept` is the request's `Accept` header; `watermark` is a
    /// thumbor watermark image still to resolve within the root.
    public func serve(_ request: TransformRequest, accept: String?, ifNoneMatch: String? = nil, watermark: SourceReference? = nil) async throws
        -> Outcome
    {
        var spec = request.spec
        if let watermark { spec.watermark?.path = try watermarkPath(watermark) }
        let varies = spec.format == nil && spec.variantOf == nil && !settings.autoFormats.isEmpty
        if varies, let accept = accept?.lowercased() {
            spec.format = settings.autoFormats.first { accept.contains($0.contentType) }
        }
        let settled = spec
        return try await withinDeadline {
            try await self.answer(settled, request: request, varies: varies, ifNoneMatch: ifNoneMatch, finish: Self.picture)
        }
    }

    /// Runs a request's whole work within `transform.timeoutSeconds`, counting timeouts and
    /// refusals. `withDeadline`, not a task group: a group returns only when every child has,
    /// so work stuck where cancellation does not reach would hold the request past its deadline.
    func withinDeadline(_ work: @escaping @Sendable () async throws -> Outcome) async throws -> Outcome {
        let timeout = settings.timeoutSeconds
        do {
            return try await BlockingWork.withDeadline(.seconds(timeout), orThrow: TransformError.timeout(timeout), work)
        } catch let error as TransformError where error.kind == .timeout || error.kind == .busy {
            metrics.record(error.kind == .busy ? .rejected : .timeout)
            throw error
        }
    }

    /// Makes the answer from a finished render of `source` (its bytes as loaded).
    typealias Finish = @Sendable (_ rendered: RecipeResult, _ source: [UInt8]) throws -> TransformResult

    /// An ordinary answer: the picture the render made.
    static let picture: Finish = { rendered, _ in
        guard let variant = rendered.variants.first else { throw TransformError.upstream("The render made nothing.") }
        return TransformResult(
            bytes: variant.image.bytes, contentType: variant.image.format.contentType, width: variant.image.width, height: variant.image.height,
            created: Date())
    }

    /// Resolves the source, then answers from the cache, a render in flight, or a new render
    /// behind the gate. `answerKind` is part of the cache key: a description of a source is
    /// never answered with its picture.
    func answer(
        _ spec: TransformSpec, request: TransformRequest, varies: Bool, ifNoneMatch: String?, answerKind: String = "", finish: @escaping Finish
    ) async throws -> Outcome {
        let source = try await resolver.resolve(request.source)
        var extra = "cb:\(request.cacheBuster ?? "")"
        if !answerKind.isEmpty { extra += "|answer:\(answerKind)" }
        if let named = spec.variantOf, let recipe = catalog.recipe(named: named.recipe) {
            // A recipe's variant is keyed by its definition, so editing the recipe file misses.
            extra += "|\(String(describing: recipe.variants.first { $0.name == named.variant }))|\(String(describing: recipe.animation))"
        }
        // A redacting result depends on the regions too: a box a person adds must never be
        // answered from a render made before it.
        if spec.usesRegions || spec.variantOf != nil { extra += "|regions:\((try? ImageRegions.json(source.regions)) ?? "")" }
        let key = TransformCache.key(spec: spec.canonicalJSON, source: source.identity, extra: extra)
        let etag = "\"\(key.split(separator: "/").last!.prefix(32))\""
        if HTTPDelivery.ifNoneMatch(ifNoneMatch, matches: etag) {
            return Outcome(result: nil, source: .notModified, etag: etag, variesByAccept: varies)
        }
        if let cache, let hit = await cache.get(key) {
            metrics.record(.cacheHit)
            return Outcome(result: hit, source: .cache, etag: etag, variesByAccept: varies)
        }
        if cache != nil { metrics.record(.cacheMiss) }
        let (renderer, gate, cache, metrics, logger) = (self.renderer, self.gate, self.cache, self.metrics, self.logger)
        let work: @Sendable () async throws -> TransformResult = {
            try await gate.admitting {
                try await Self.render(
                    key: key, spec: spec, source: source, renderer: renderer, cache: cache, metrics: metrics, logger: logger, finish: finish)
            }
        }
        let (result, joined) = try await coalescer.value(for: key, onJoin: { metrics.record(.coalesced) }, work: work)
        return Outcome(result: result, source: joined ? .coalesced : .render, etag: etag, variesByAccept: varies)
    }

    private static func render(
        key: String, spec: TransformSpec, source: ResolvedSource, renderer: any Renderer, cache: TransformCache?, metrics: TransformMetrics,
        logger: Logger, finish: Finish
    ) async throws -> TransformResult {
        let bytes = try await source.load()
        metrics.record(.render)
        let rendered: RecipeResult
        do {
            rendered = try await renderer.render(bytes, transform: spec, regions: source.regions)
        } catch let error as ImagingError {
            throw TransformError.from(error)
        } catch let error as RenderError {
            metrics.record(.failed)
            throw error.isPermanent ? TransformError.unprocessable(error.message) : TransformError.upstream(error.message)
        } catch is BlockingPoolBusy {
            throw TransformError.busy
        }
        let result = try finish(rendered, bytes)
        if let cache {
            do {
                try await cache.put(key, result)
            } catch {
                logger.warning("a transform result was not cached", metadata: ["key": "\(key)", "cause": "\(error)"])
            }
        }
        return result
    }

    /// thumbor's `watermark()` image: a path in a directory root, checked like any source.
    private func watermarkPath(_ reference: SourceReference) throws -> String {
        guard case .path(let path) = reference, case .directory(let directory)? = resolver.root else {
            throw TransformError.forbidden("A watermark image must be a path under a directory transform.root.")
        }
        let file = try SourceResolver.file(path, under: directory)
        guard FileManager.default.isReadableFile(atPath: file.path) else { throw TransformError.notFound("There is no watermark image \(path).") }
        return file.path
    }

    /// The named recipe variant exists.
    public func hasVariant(recipe: String, variant: String) -> Bool {
        catalog.recipe(named: recipe)?.variants.contains { $0.name == variant } == true
    }
}
