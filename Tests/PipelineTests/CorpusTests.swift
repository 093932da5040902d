import Foundation
import Imaging
import Testing

@testable import Pipeline

/// The shared corpus of tricky fixtures, beside the project root, when it exists.
enum Corpus {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared/corpus")

    static var available: Bool { FileManager.default.fileExists(atPath: root.appendingPathComponent("images/MANIFEST.tsv").path) }

    struct Entry: Sendable, CustomTestStringConvertible {
        var path: String
        var category: String
        var expectOK: Bool
        var testDescription: String { "\(path) (\(category))" }
    }

    static func manifest() -> [Entry] {
        guard let text = try? String(contentsOf: root.appendingPathComponent("images/MANIFEST.tsv"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 5 else { return nil }
            return Entry(path: fields[0], category: fields[3], expectOK: fields[4] == "process OK")
        }
    }
}

/// Peak resident memory of this process, from /proc.
func peakResidentMegabytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return 0 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

@Suite(.enabled(if: Corpus.available, "../shared/corpus is not beside the project: corpus tests skipped"))
struct CorpusTests {
    static let runner = try! RecipeRunner(recipe: RecipeCatalog.builtIn.recipe(named: "default")!)

    @Test(arguments: Corpus.manifest())
    func everyFileProcessesOrFailsWithAClearError(entry: Corpus.Entry) throws {
        let bytes = try [UInt8](Data(contentsOf: Corpus.root.appendingPathComponent("images").appendingPathComponent(entry.path)))
        do {
            let result = try Self.runner.run(bytes)
            #expect(entry.expectOK, "\(entry.path) should have been refused, but processed")
            #expect(result.variants.count == 3)
            for (variant, box) in zip(result.variants, [150, 800, 1600]) {
                #expect(variant.image.width <= box && variant.image.height <= box && variant.image.width >= 1)
                let header = try ImageSource.open(variant.image.bytes).header
                #expect(header.format == .jpeg && header.width == variant.image.width && header.height == variant.image.height)
            }
        } catch let error as ImagingError {
            #expect(!entry.expectOK, "\(entry.path) should process, but failed: \(error.message) [\(error.detail)]")
            #expect(error.isClientError, "\(entry.path): \(error.description) is not a client error: \(error.detail)")
            #expect(error.message.count > 20 && error.message.hasSuffix("."))
        }
    }

    @Test func bombsAndTheWholeCorpusKeepMemoryBounded() throws {
        for entry in Corpus.manifest() where entry.category == "bomb" {
            let bytes = try [UInt8](Data(contentsOf: Corpus.root.appendingPathComponent("images").appendingPathComponent(entry.path)))
            #expect(throws: ImagingError.self) { try Self.runner.run(bytes) }
        }
        let peak = peakResidentMegabytes()
        #expect(peak < 1500, "peak resident memory reached \(peak) MB")
    }

    @Test func benchPhotosMakeBoundedJPEGs() throws {
        let folder = Corpus.root.appendingPathComponent("bench")
        let photos = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jpg") }.sorted()
        #expect(photos.count == 6)
        for photo in photos {
            let result = try Self.runner.run([UInt8](Data(contentsOf: folder.appendingPathComponent(photo))))
            #expect(result.decodeShrink >= 2, "\(photo) should decode shrunk")
            #expect(result.variants.map { max($0.image.width, $0.image.height) } == [150, 800, 1600])
        }
    }
}
