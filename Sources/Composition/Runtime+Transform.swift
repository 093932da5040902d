import AWSBackends
import BlockingWork
import FaceDetection
import Foundation
import Logging
import NIOCore
import OnTheFly
import Pipeline
import RenderIsolation

extension Runtime {
    /// The on-the-fly service over these backends, with renderers of its own: child processes
    /// (or a thread pool with `worker.isolation: none`) sized by `transform.workers`, so eager
    /// jobs never starve request-time renders and the other way round.
    static func transformService(
        configuration: DarkroomConfiguration, backends: Backends, catalog: RecipeCatalog, requestPool: BlockingPool, faces: FaceSettings?
    ) throws -> TransformService {
        let settings = configuration.transform
        let limits = configuration.limits
        var root: SourceResolver.Root?
        if let text = settings.root {
            if text.lowercased().hasPrefix("s3://") {
                let location: BucketLocation
                do {
                    location = try BucketLocation(url: text)
                } catch {
                    throw ConfigurationError("transform.root: \(error)")
                }
                guard let s3 = backends.s3 else {
                    throw ConfigurationError("transform.root: an s3:// root is read through the S3 storage; set storage to s3://… as well")
                }
                root = .bucket(location, s3)
            } else {
                var isDirectory: ObjCBool = false
                let url = URL(fileURLWithPath: text).standardizedFileURL
                guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw ConfigurationError("transform.root: \(text) is not a directory")
                }
                root = .directory(url)
            }
        }
        let remote =
            settings.allowedSources.isEmpty
            ? nil
            : RemoteFetcher(
                allowed: settings.allowedSources.compactMap(URL.init(string:)), allowPrivate: settings.allowPrivateNetworks,
                maxBytes: limits.maxFileBytes, timeout: .seconds(Int64(settings.timeoutSeconds)), pool: requestPool)
        let resolver = SourceResolver(
            root: root, metadata: backends.metadata, blobs: backends.blobs, remote: remote, limits: limits, pool: requestPool)
        let cache =
            settings.cache
            ? TransformCache(
                blobs: backends.blobs,
                index: backends.listBlobs.map { list in CacheIndex(maxBytes: settings.cacheMaxBytes, scan: { await list(TransformCache.prefix) }) })
            : nil
        let renderer: any Renderer
        switch configuration.isolation {
        case .process:
            renderer = ChildRenderer.ofThisBinary(
                recipesFile: configuration.recipesFile, limits: limits, faces: faces, slots: settings.workers,
                timeout: .seconds(settings.timeoutSeconds), logLabel: "darkroom.transform.render",
                recycleAboveBytes: configuration.childMaxBytes)
        case .none:
            renderer = try InProcessRenderer(
                catalog: catalog, limits: limits,
                pool: BlockingPool(threads: settings.workers, maxWaiting: settings.maxQueue, name: "darkroom-transform"),
                detector: faces.map { LazyFaceDetector(settings: $0) })
        }
        return try TransformService(
            settings: settings, resolver: resolver, cache: cache, renderer: renderer, catalog: catalog, metrics: TransformMetrics(),
            logger: Logger(label: "darkroom.transform"))
    }
}
