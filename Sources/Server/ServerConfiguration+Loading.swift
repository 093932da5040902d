import Configuration
import Foundation
import Imaging
import SystemPackage

/// Configuration is layered through swift-configuration: flags, then `DARKROOM_*` environment
/// variables, then the YAML file (`--config FILE`, else `./darkroom.yaml` when it exists), then
/// the defaults. Keys are dotted in the file and upper snake case with a `DARKROOM_` prefix in
/// the environment: `queue.maxDepth` is `DARKROOM_QUEUE_MAX_DEPTH`.
extension ServerConfiguration {
    /// Every key, for the README and for `--help`.
    public static let keys = [
        "host", "port", "data", "workers.enabled", "workers.count", "queue.maxDepth", "recipes", "limits.maxPixels", "limits.maxBytes",
        "limits.maxFrames", "limits.formats", "worker.visibilitySeconds", "worker.maxAttempts",
    ]

    /// Reads the layers. `flags` holds values given on the command line, by key.
    public static func load(flags: [String: ConfigContent], file: String?) async throws -> ServerConfiguration {
        var providers: [any ConfigProvider] = [
            InMemoryProvider(
                name: "flags",
                values: Dictionary(uniqueKeysWithValues: flags.map { (AbsoluteConfigKey($0.key.split(separator: ".").map(String.init)), ConfigValue($0.value, isSecret: false)) })),
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
        let reader = ConfigReader(providers: providers)
        var c = ServerConfiguration()
        c.host = reader.string(forKey: "host", default: c.host)
        c.port = reader.int(forKey: "port", default: c.port)
        c.dataDirectory = reader.string(forKey: "data", default: c.dataDirectory)
        c.runWorkers = reader.bool(forKey: "workers.enabled", default: c.runWorkers)
        c.workerCount = reader.int(forKey: "workers.count", default: c.workerCount)
        c.maxQueueDepth = reader.int(forKey: "queue.maxDepth", default: c.maxQueueDepth)
        c.recipesFile = reader.string(forKey: "recipes")
        c.limits.maxPixels = reader.int(forKey: "limits.maxPixels", default: c.limits.maxPixels)
        c.limits.maxFileBytes = reader.int(forKey: "limits.maxBytes", default: c.limits.maxFileBytes)
        c.limits.maxFrames = reader.int(forKey: "limits.maxFrames", default: c.limits.maxFrames)
        if let formats = reader.string(forKey: "limits.formats") {
            var allowed: Set<ImageFormat> = []
            for name in formats.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !name.isEmpty {
                guard let format = ImageFormat(rawValue: ["jpg": "jpeg", "heic": "heif", "tif": "tiff"][name] ?? name) else {
                    throw ConfigurationError("limits.formats: unknown format '\(name)'")
                }
                allowed.insert(format)
            }
            c.limits.allowedFormats = allowed
        }
        c.worker.visibility = .seconds(reader.int(forKey: "worker.visibilitySeconds", default: 120))
        c.worker.retry.maxAttempts = reader.int(forKey: "worker.maxAttempts", default: c.worker.retry.maxAttempts)
        try c.validate()
        return c
    }

    /// Refuses values that cannot work, naming the key.
    public func validate() throws {
        guard (1...65535).contains(port) else { throw ConfigurationError("port must be between 1 and 65535, not \(port)") }
        guard (1...256).contains(workerCount) else { throw ConfigurationError("workers.count must be between 1 and 256, not \(workerCount)") }
        guard maxQueueDepth >= 1 else { throw ConfigurationError("queue.maxDepth must be at least 1") }
        guard limits.maxPixels > 0, limits.maxFileBytes > 0, limits.maxFrames > 0 else {
            throw ConfigurationError("limits.maxPixels, limits.maxBytes and limits.maxFrames must be positive")
        }
        guard !limits.allowedFormats.isEmpty else { throw ConfigurationError("limits.formats must name at least one format") }
        guard worker.retry.maxAttempts >= 1 else { throw ConfigurationError("worker.maxAttempts must be at least 1") }
        guard !dataDirectory.isEmpty else { throw ConfigurationError("data must name a directory") }
    }
}

/// A configuration value that cannot work.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
