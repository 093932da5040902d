import Foundation
import Imaging
import Pipeline

/// Everything `darkroom serve` can be told. Every field is documented in the README.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Originals, variants and the SQLite database live here.
    public var dataDirectory = "./data"
    /// Run workers in this process. `--no-workers` turns them off for an API-only process.
    public var runWorkers = true
    /// Worker tasks; each processes one image at a time on the blocking pool.
    public var workerCount = ProcessInfo.processInfo.activeProcessorCount
    /// Uploads get 503 with Retry-After while more jobs than this are waiting.
    public var maxQueueDepth = 1000
    public var limits = Limits.default
    /// Extra recipes, as a YAML file.
    public var recipesFile: String?
    /// Bearer tokens; when any are set, every /api route requires one.
    public var apiKeys: [String] = []
    /// The key signed image URLs are made with. When unset, a random key is made at start-up,
    /// so signed URLs last only as long as the process; set it when several processes serve.
    public var signingKey: String?
    /// How long a signed URL stays valid.
    public var signedURLSeconds = 3600
    public var worker = WorkerSettings()
    /// URLs that get a signed POST for every finished image.
    public var webhookURLs: [String] = []
    public var webhookSecret: String?
    public var webhookMaxAttempts = 6

    public init() {}

    /// The largest request body accepted: one file at the limit, plus room for multipart framing.
    public var maxRequestBytes: Int { limits.maxFileBytes + 1024 * 1024 }
}
