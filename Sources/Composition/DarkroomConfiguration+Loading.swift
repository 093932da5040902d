import Configuration
import Foundation
import Imaging
import OnTheFly
import Pipeline
import SystemPackage

/// Configuration is layered through swift-configuration: flags, then `DARKROOM_*` environment
/// variables, then the YAML file (`--config FILE`, else `./darkroom.yaml` when it exists), then
/// the defaults. Keys are dotted in the file and upper snake case with a `DARKROOM_` prefix in
/// the environment: `queue.maxDepth` is `DARKROOM_QUEUE_MAX_DEPTH`.
extension DarkroomConfiguration {
    /// Every key, from the one list (`ConfigurationKey.all`), for `--help` and the docs.
    public static var keys: [String] { ConfigurationKey.all.map(\.name) }

    /// Reads the layers. `flags` holds values given on the command line, by key.
    public static func load(flags: [String: ConfigContent], file: String?) async throws -> DarkroomConfiguration {
        var providers: [any ConfigProvider] = [
            InMemoryProvider(
                name: "flags",
                values: Dictionary(
                    uniqueKeysWithValues: flags.map {
                        (AbsoluteConfigKey($0.key.split(separator: ".").map(String.init)), ConfigValue($0.value, isSecret: false))
                    })),
            EnvironmentVariablesProvider().prefixKeys(with: ["darkroom"]),
        ]
        let path = file ?? (FileManager.default.fileExists(atPath: "darkroom.yaml") ? "darkroom.yaml" : nil)
        if let path {
            do {
                providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(path)))
            } catch {
                throw ConfigurationError("cannot read the configuration file \(path): \(error)")
            }
        }
        let reader = StrictReader(reader: ConfigReader(providers: providers))
        var c = DarkroomConfiguration()
        c.host = reader.string("host") ?? c.host
        c.port = try reader.int("port") ?? c.port
        c.dataDirectory = reader.string("data") ?? c.dataDirectory
        c.runWorkers = try reader.bool("workers.enabled") ?? c.runWorkers
        c.workerCount = try reader.int("workers.count") ?? c.workerCount
        c.maxQueueDepth = try reader.int("queue.maxDepth") ?? c.maxQueueDepth
        c.recipesFile = reader.string("recipes")
        c.limits.maxPixels = try reader.int("limits.maxPixels") ?? c.limits.maxPixels
        c.limits.maxFileBytes = try reader.int("limits.maxBytes") ?? c.limits.maxFileBytes
        c.limits.maxFrames = try reader.int("limits.maxFrames") ?? c.limits.maxFrames
        if let formats = reader.string("limits.formats") {
            var allowed: Set<ImageFormat> = []
            for name in formats.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !name.isEmpty {
                guard let format = ImageFormat(rawValue: ["jpg": "jpeg", "heic": "heif", "tif": "tiff"][name] ?? name) else {
                    throw ConfigurationError("limits.formats: unknown format '\(name)'")
                }
                allowed.insert(format)
            }
            c.limits.allowedFormats = allowed
        }
        c.worker.visibility = .seconds(try reader.int("worker.visibilitySeconds") ?? 120)
        c.worker.retry.maxAttempts = try reader.int("worker.maxAttempts") ?? c.worker.retry.maxAttempts
        c.worker.keepGPS = try reader.bool("metadata.keepGps") ?? c.worker.keepGPS
        c.idleTimeoutSeconds = try reader.int("server.idleTimeoutSeconds") ?? c.idleTimeoutSeconds
        c.maxBodyBytesInFlight = try reader.int("server.maxBodyBytesInFlight")
        c.childMaxMB = try reader.int("worker.childMaxMB") ?? c.childMaxMB
        if let isolation = reader.string("worker.isolation") {
            guard let value = RenderIsolationMode(rawValue: isolation.lowercased()) else {
                throw ConfigurationError("worker.isolation must be 'process' or 'none', not '\(isolation)'")
            }
            c.isolation = value
        }
        if let keys = reader.string("auth.apiKeys") {
            c.apiKeys = keys.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        c.signingKey = reader.string("auth.signingKey")
        c.signedURLSeconds = try reader.int("auth.signedUrlSeconds") ?? c.signedURLSeconds
        if let urls = reader.string("webhooks.urls") {
            c.webhookURLs = urls.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        c.webhookSecret = reader.string("webhooks.secret")
        c.webhookMaxAttempts = try reader.int("webhooks.maxAttempts") ?? c.webhookMaxAttempts
        c.storage = reader.string("storage")
        c.metadata = reader.string("metadata")
        c.queueURL = reader.string("queue.url")
        if let notify = reader.string("notify") {
            c.notify = notify.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        c.s3ServerSideEncryption = reader.string("s3.serverSideEncryption")
        c.s3PresignedLinks = try reader.bool("s3.presignedLinks") ?? c.s3PresignedLinks
        c.dynamoDBCreateTable = try reader.bool("dynamodb.createTable") ?? c.dynamoDBCreateTable
        c.eventsQueue = reader.string("events.queue")
        c.eventsInput = reader.string("events.input")
        c.eventsOutput = reader.string("events.output")
        c.eventsRecipe = reader.string("events.recipe") ?? c.eventsRecipe
        c.transform = try TransformSettings.load(reader)
        // One key for GPS: the info endpoints show a position only where records keep it.
        c.transform.keepGPS = c.worker.keepGPS
        if let detector = reader.string("faces.detector") {
            switch detector.lowercased() {
            case "centerface": c.faces.enabled = true
            case "off", "none": c.faces.enabled = false
            default: throw ConfigurationError("faces.detector must be 'centerface' or 'off', not '\(detector)'")
            }
        }
        c.faces.model = reader.string("faces.model")
        c.faces.probe = try reader.int("faces.probe") ?? c.faces.probe
        if let text = reader.string("faces.threshold") {
            guard let value = Double(text.trimmingCharacters(in: .whitespaces)) else {
                throw ConfigurationError("faces.threshold: '\(text)' is not a number")
            }
            c.faces.threshold = value
        }
        try c.validate()
        return c
    }

    /// Refuses values that cannot work, naming the key.
    public func validate() throws {
        guard (0...65535).contains(port) else { throw ConfigurationError("port must be between 0 (any free port) and 65535, not \(port)") }
        guard (1...256).contains(workerCount) else { throw ConfigurationError("workers.count must be between 1 and 256, not \(workerCount)") }
        guard maxQueueDepth >= 1 else { throw ConfigurationError("queue.maxDepth must be at least 1") }
        guard limits.maxPixels > 0, limits.maxFileBytes > 0, limits.maxFrames > 0 else {
            throw ConfigurationError("limits.maxPixels, limits.maxBytes and limits.maxFrames must be positive")
        }
        guard !limits.allowedFormats.isEmpty else { throw ConfigurationError("limits.formats must name at least one format") }
        guard worker.retry.maxAttempts >= 1 else { throw ConfigurationError("worker.maxAttempts must be at least 1") }
        guard (32...65_536).contains(childMaxMB) else { throw ConfigurationError("worker.childMaxMB must be between 32 and 65536") }
        guard (1...3600).contains(idleTimeoutSeconds) else {
            throw ConfigurationError("server.idleTimeoutSeconds must be between 1 and 3600, not \(idleTimeoutSeconds)")
        }
        if let budget = maxBodyBytesInFlight, budget < 1 {
            throw ConfigurationError("server.maxBodyBytesInFlight must be a positive number of bytes, not \(budget)")
        }
        guard !dataDirectory.isEmpty else { throw ConfigurationError("data must name a directory") }
        guard apiKeys.allSatisfy({ $0.count >= 16 }) else { throw ConfigurationError("auth.apiKeys: every key must be at least 16 characters") }
        guard signedURLSeconds > 0 else { throw ConfigurationError("auth.signedUrlSeconds must be positive") }
        for url in webhookURLs {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw ConfigurationError("webhooks.urls: '\(url)' is not an http or https URL")
            }
        }
        if !webhookURLs.isEmpty && (webhookSecret ?? "").count < 16 {
            throw ConfigurationError("webhooks.secret must be set, at least 16 characters, when webhooks.urls is")
        }
        guard webhookMaxAttempts >= 1 else { throw ConfigurationError("webhooks.maxAttempts must be at least 1") }
        _ = try BackendPlan(self)
        try transform.validate()
        do {
            try FaceSettings(modelPath: faces.model ?? "", probe: faces.probe, threshold: faces.threshold).validate()
        } catch let error as ImagingError {
            throw ConfigurationError(error.message)
        }
        if let sse = s3ServerSideEncryption, !["AES256", "aws:kms"].contains(sse) {
            throw ConfigurationError("s3.serverSideEncryption must be AES256 or aws:kms, not '\(sse)'")
        }
    }
}

/// Typed reads that refuse a value of the wrong type instead of quietly using the default:
/// `DARKROOM_PORT=abc` is an error naming the key, never port 8080.
struct StrictReader {
    let reader: ConfigReader

    func string(_ key: String) -> String? {
        reader.string(forKey: ConfigKey(key))
    }

    /// A comma-separated list, trimmed, without empty entries.
    func list(_ key: String) -> [String] {
        (string(key) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func int(_ key: String) throws -> Int? {
        if let value = reader.int(forKey: ConfigKey(key)) { return value }
        if let text = reader.string(forKey: ConfigKey(key)) {
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw ConfigurationError("\(key): '\(text)' is not a whole number")
            }
            return value
        }
        return nil
    }

    func bool(_ key: String) throws -> Bool? {
        if let value = reader.bool(forKey: ConfigKey(key)) { return value }
        if let text = reader.string(forKey: ConfigKey(key)) {
            switch text.lowercased() {
            case "true", "yes", "1": return true
            case "false", "no", "0": return false
            default: throw ConfigurationError("\(key): '\(text)' is not true or false")
            }
        }
        return nil
    }
}

extension TransformSettings {
    static func load(_ reader: StrictReader) throws -> TransformSettings {
        var t = TransformSettings()
        t.enabled = try reader.bool("transform.enabled") ?? t.enabled
        t.root = reader.string("transform.root")
        t.allowedSources = reader.list("transform.allowedSources")
        t.allowPrivateNetworks = try reader.bool("transform.allowPrivateNetworks") ?? t.allowPrivateNetworks
        t.allowUnsigned = try reader.bool("transform.allowUnsigned") ?? t.allowUnsigned
        t.imgproxyPrefix = reader.string("transform.imgproxy.prefix") ?? t.imgproxyPrefix
        t.imgproxyKeys = reader.string("transform.imgproxy.keys")
        t.imgproxySalts = reader.string("transform.imgproxy.salts")
        t.imgproxySignatureSize = try reader.int("transform.imgproxy.signatureSize") ?? t.imgproxySignatureSize
        t.imgproxyPresets = reader.string("transform.imgproxy.presets")
        t.thumborPrefix = reader.string("transform.thumbor.prefix") ?? t.thumborPrefix
        t.thumborSecurityKey = reader.string("transform.thumbor.securityKey")
        t.watermark = reader.string("transform.watermark")
        t.autoFormats = try reader.list("transform.autoFormats").map { name in
            guard let format = OutputFormat(rawValue: name.lowercased()), format == .avif || format == .webp else {
                throw ConfigurationError("transform.autoFormats: '\(name)' is not avif or webp")
            }
            return format
        }
        t.cache = try reader.bool("transform.cache") ?? t.cache
        t.cacheMaxBytes = try reader.int("transform.cacheMaxBytes") ?? t.cacheMaxBytes
        t.maxAgeSeconds = try reader.int("transform.maxAgeSeconds") ?? t.maxAgeSeconds
        t.workers = try reader.int("transform.workers") ?? t.workers
        t.maxQueue = try reader.int("transform.maxQueue") ?? t.maxQueue
        t.timeoutSeconds = try reader.int("transform.timeoutSeconds") ?? t.timeoutSeconds
        return t
    }
}
