import ArgumentParser
import Imaging

/// Command-line overrides for the limits on untrusted input.
struct LimitOptions: ParsableArguments {
    @Option(help: "Largest source in pixels, frames of an animation summed.")
    var maxPixels: Int = Limits.default.maxPixels

    @Option(help: "Largest input file in bytes.")
    var maxBytes: Int = Limits.default.maxFileBytes

    @Option(help: "Most frames an animation may declare.")
    var maxFrames: Int = Limits.default.maxFrames

    @Option(help: "Comma-separated formats to accept: jpeg,png,webp,gif,heif,avif,tiff.")
    var formats: String = ImageFormat.allCases.map(\.rawValue).joined(separator: ",")

    func validate() throws {
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
        guard maxBytes > 0 else { throw ValidationError("--max-bytes must be positive") }
        guard maxFrames > 0 else { throw ValidationError("--max-frames must be positive") }
        _ = try allowedFormats()
    }

    func allowedFormats() throws -> Set<ImageFormat> {
        var set: Set<ImageFormat> = []
        for name in formats.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !name.isEmpty {
            let aliases = ["jpg": "jpeg", "heic": "heif", "tif": "tiff"]
            guard let format = ImageFormat(rawValue: aliases[name] ?? name) else {
                throw ValidationError("--formats: unknown format '\(name)'; use jpeg, png, webp, gif, heif, avif or tiff")
            }
            set.insert(format)
        }
        guard !set.isEmpty else { throw ValidationError("--formats must name at least one format") }
        return set
    }

    var limits: Limits {
        get throws {
            Limits(maxPixels: maxPixels, maxFileBytes: maxBytes, maxFrames: maxFrames, allowedFormats: try allowedFormats())
        }
    }
}
