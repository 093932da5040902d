import Foundation
import Imaging
import Pipeline

/// The images a run sends, cycled: the files of a directory that look like images by their
/// first bytes, or synthetic JPEGs of given sizes, made once at start.
public struct LoadImages: Sendable {
    public struct Item: Sendable {
        public var name: String
        public var bytes: [UInt8]
        public var contentType: String
    }

    public let items: [Item]

    public init(items: [Item]) {
        self.items = items
    }

    public func item(_ index: Int) -> Item { items[index % items.count] }

    /// Every image file directly in `directory`, by name.
    public static func directory(_ path: String) throws -> LoadImages {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LoadError.usage("--images", "\(path) is not a directory")
        }
        let names = (try FileManager.default.contentsOfDirectory(atPath: path)).sorted()
        var items: [Item] = []
        for name in names {
            let url = URL(fileURLWithPath: path).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path), ImageFormat.looksLikeImage(Array(data.prefix(64))) else { continue }
            let bytes = Array(data)
            let contentType = ImageFormat.identify(Array(bytes.prefix(64)))?.contentType ?? "application/octet-stream"
            items.append(Item(name: name, bytes: bytes, contentType: contentType))
        }
        guard !items.isEmpty else { throw LoadError.usage("--images", "no images found in \(path)") }
        return LoadImages(items: items)
    }

    /// Synthetic JPEGs, one per `WxH` size: a gradient with noise, so they compress like photos.
    public static func synthetic(_ sizes: [(width: Int, height: Int)]) throws -> LoadImages {
        var generator = SystemRandomNumberGenerator()
        let items = try sizes.map { size -> Item in
            var pixels = [UInt8](repeating: 0, count: size.width * size.height * 3)
            for y in 0..<size.height {
                for x in 0..<size.width {
                    let i = (y * size.width + x) * 3
                    let noise = UInt8.random(in: 0...40, using: &generator)
                    pixels[i] = UInt8(x * 200 / max(1, size.width)) &+ noise
                    pixels[i + 1] = UInt8(y * 200 / max(1, size.height)) &+ noise
                    pixels[i + 2] = 90 &+ noise
                }
            }
            let image = try Image(pixels: pixels, width: size.width, height: size.height, bands: 3)
            return Item(
                name: "synthetic-\(size.width)x\(size.height).jpg", bytes: try image.encoded(EncodeOptions(format: .jpeg)).bytes,
                contentType: "image/jpeg")
        }
        return LoadImages(items: items)
    }

    /// `1024x768,2048x1536`.
    public static func parseSizes(_ text: String) throws -> [(width: Int, height: Int)] {
        try text.split(separator: ",").map { part in
            let sides = part.lowercased().split(separator: "x").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard sides.count == 2, (1...16384).contains(sides[0]), (1...16384).contains(sides[1]) else {
                throw LoadError.usage("--synthetic", "'\(part)' is not WIDTHxHEIGHT with sides from 1 to 16384")
            }
            return (sides[0], sides[1])
        }
    }
}

/// What stops a run before it starts, or a request that failed.
public enum LoadError: Error, CustomStringConvertible, Equatable {
    /// A bad argument, naming its flag: exit code 2.
    case usage(String, String)

    public var description: String {
        switch self {
        case .usage(let flag, let message): "\(flag): \(message)"
        }
    }
}
