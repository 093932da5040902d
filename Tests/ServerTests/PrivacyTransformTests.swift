import FaceDetection
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Imaging
import Pipeline
import Testing

@testable import Composition
@testable import Server

/// Faces and regions through on-the-fly URLs and the regions API, end to end: the real detector,
/// libvips, the cache.
@Suite(.timeLimit(.minutes(10))) struct PrivacyTransformTests {
    static let faces = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/corpus/faces")
    static let facePhoto = faces.appendingPathComponent("images/dlib/2008_001322.jpg")
    static var corpus: Bool { FileManager.default.fileExists(atPath: facePhoto.path) }

    /// A noisy photo: any smoothing or mosaic shows in its pixels.
    static func noise(width: Int, height: Int) throws -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let pixels = (0..<(width * height * 3)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return try Image(pixels: pixels, width: width, height: height, bands: 3).encoded(EncodeOptions(format: .png)).bytes
    }

    /// Mean squared difference of horizontal neighbours inside a box given in fractions.
    static func energy(_ bytes: [UInt8], box: Region) throws -> Double {
        let image = try ImageSource.open(bytes).decode()
        let pixels = try image.pixelBytes()
        let rect = try #require(box.pixels(imageWidth: image.width, imageHeight: image.height))
        var (sum, n) = (0.0, 0)
        for y in rect.top..<(rect.top + rect.height) {
            for x in rect.left..<(rect.left + rect.width - 1) {
                let d = Double(pixels[(y * image.width + x) * image.bands]) - Double(pixels[(y * image.width + x + 1) * image.bands])
                sum += d * d
                n += 1
            }
        }
        return sum / Double(max(n, 1))
    }

    static func fixture(faces enabled: Bool = true) async throws -> (ServerFixture, URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("privacy-root-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        if corpus { try FileManager.default.copyItem(at: facePhoto, to: root.appendingPathComponent("faces.jpg")) }
        let fixture = try await ServerFixture { c in
            c.transform.root = root.path
            c.transform.allowUnsigned = true
            c.faces.enabled = enabled
        }
        return (fixture, root)
    }

    @Test(.enabled(if: corpus, "../shared/corpus/faces is not beside the project: skipped"))
    func imgproxyBlurDetectionsAndThumborRedactHideTheFaces() async throws {
        let (fixture, _) = try await Self.fixture()
        let original = try [UInt8](Data(contentsOf: Self.facePhoto))
        let found = try #require(fixture.components.faces)
        let detector = try FaceDetectorForTests.make(found)
        let faces = try detector.faces(in: try ImageSource.open(original).decode())
        #expect(faces.count == 3)
        try await fixture.test { client in
            for uri in [
                "/imgproxy/insecure/bd:20:face/plain/faces.jpg", "/imgproxy/insecure/pxd:12:face/plain/faces.jpg",
                "/thumbor/unsafe/filters:redact(pixelate,12)/faces.jpg", "/thumbor/unsafe/filters:redact(black)/faces.jpg",
                "/thumbor/unsafe/filters:redact(blur,25)/faces.jpg",
            ] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .ok, "\(uri): \(String(buffer: response.body))")
                guard response.status == .ok else { continue }
                let bytes = Array(buffer: response.body)
                for face in faces {
                    let (after, before) = (try Self.energy(bytes, box: face), try Self.energy(original, box: face))
                    #expect(after < before * 0.5, "\(uri), face \(face): \(after) against \(before)")
                }
                // Away from the faces (the top-left corner) the picture is the picture.
                let corner = Region(x: 0, y: 0, width: 0.1, height: 0.1, kind: .manual)
                #expect(
                    abs(try Self.energy(bytes, box: corner) - (try Self.energy(original, box: corner))) < (try Self.energy(original, box: corner))
                        * 0.5)
            }
            // thumbor's smart crop centres on the faces.
            let smart = try await client.execute(uri: "/thumbor/unsafe/200x100/smart/faces.jpg", method: .get)
            #expect(smart.status == .ok)
            let header = try ImageSource.open(Array(buffer: smart.body)).header
            #expect(header.width == 200 && header.height == 100)
        }
    }

    /// A stored image's regions (sent with the upload, replaced through the API) drive its
    /// on-the-fly URLs, and a change of regions is never answered from an older render.
    @Test func storedRegionsRedactItsURLsAndAnEditIsNeverServedStale() async throws {
        let (fixture, _) = try await Self.fixture()
        let photo = try Self.noise(width: 400, height: 300)
        let plate = Region(x: 0.1, y: 0.6, width: 0.3, height: 0.2, kind: .manual)
        let moved = Region(x: 0.55, y: 0.1, width: 0.3, height: 0.2, kind: .manual)
        try await fixture.test { client in
            let upload = try await client.execute(
                uri: "/api/images", method: .post,
                headers: [.contentType: "image/png", HTTPField.Name("X-Regions")!: #"[{"x": 0.1, "y": 0.6, "width": 0.3, "height": 0.2}]"#],
                body: ByteBuffer(bytes: photo))
            #expect(upload.status == .accepted)
            let id = try #require(try ServerFixture.json(upload)["id"] as? String)
            let stored = try ServerFixture.json(upload)["regions"] as? [[String: Any]]
            #expect(stored?.first?["kind"] as? String == "manual")
            let uri = "/imgproxy/insecure/pxd:16/plain/darkroom://\(id)@png"
            let first = try await client.execute(uri: uri, method: .get)
            #expect(first.status == .ok, "\(String(buffer: first.body))")
            let before = Array(buffer: first.body)
            #expect(try Self.energy(before, box: plate) < (try Self.energy(photo, box: plate)) * 0.2)
            #expect(try Self.energy(before, box: moved) > (try Self.energy(photo, box: moved)) * 0.8)

            let edit = try await client.execute(
                uri: "/api/images/\(id)/regions", method: .put, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"regions": [{"x": 0.55, "y": 0.1, "width": 0.3, "height": 0.2}], "reprocess": false}"#))
            #expect(edit.status == .ok, "\(String(buffer: edit.body))")
            let body = try ServerFixture.json(edit)
            #expect(body["regionsReviewed"] as? Bool == true && body["facesDetected"] as? Bool == true)
            let second = try await client.execute(uri: uri, method: .get)
            let after = Array(buffer: second.body)
            #expect(after != before, "the edit made a new render, not the cached one")
            #expect(try Self.energy(after, box: moved) < (try Self.energy(photo, box: moved)) * 0.2)
            #expect(try Self.energy(after, box: plate) > (try Self.energy(photo, box: plate)) * 0.8, "the person removed that box")

            // Reprocessing with the privacy recipe uses the reviewed regions, no detection.
            let reprocess = try await client.execute(uri: "/api/images/\(id)/reprocess?recipe=privacy", method: .post)
            #expect(reprocess.status == .accepted)
            try await fixture.drain()
            let record = try #require(try await fixture.components.metadata.record(id: id))
            #expect(record.status == .completed, "\(record.error ?? "")")
            #expect(record.regions.regions == [moved] && record.regions.reviewed)
            let large = try await client.execute(uri: "/api/images/\(id)/variants/large", method: .get)
            #expect(try Self.energy(Array(buffer: large.body), box: moved) < (try Self.energy(photo, box: moved)) * 0.2)
        }
    }

    @Test func withTheDetectorOffARedactingURLFailsClosed() async throws {
        let (fixture, root) = try await Self.fixture(faces: false)
        try Data(try Self.noise(width: 200, height: 150)).write(to: root.appendingPathComponent("n.png"))
        try await fixture.test { client in
            let response = try await client.execute(uri: "/imgproxy/insecure/bd:10/plain/n.png", method: .get)
            #expect(response.status != .ok)
            #expect(String(buffer: response.body).contains("Face detection failed"))
            // Areas given in the URL need no detector.
            let areas = try await client.execute(uri: "/imgproxy/insecure/ba:10:0.1:0.1:0.5:0.5/plain/n.png", method: .get)
            #expect(areas.status == .ok, "\(String(buffer: areas.body))")
        }
    }

    @Test func badRegionsOnEveryUploadFormAreRefusedNamingTheField() async throws {
        let (fixture, _) = try await Self.fixture()
        let photo = try Self.noise(width: 60, height: 40)
        try await fixture.test { client in
            let bad = [
                #"[{"x": 0.5, "y": 0.5, "width": 0.8, "height": 0.1}]"#, #"[{"x": 0.1, "y": 0.1, "width": -0.2, "height": 0.1}]"#,
                #"{"x": 1}"#, "not json", #"[{"x": "a", "y": 0, "width": 0.1, "height": 0.1}]"#,
            ]
            for text in bad {
                let raw = try await client.execute(
                    uri: "/api/images", method: .post, headers: [.contentType: "image/png", HTTPField.Name("X-Regions")!: text],
                    body: ByteBuffer(bytes: photo))
                #expect(raw.status == .unprocessableContent, "\(text)")
                #expect(String(buffer: raw.body).contains("invalid_regions") && String(buffer: raw.body).contains("X-Regions"))
                let query = text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let viaQuery = try await client.execute(
                    uri: "/api/images?regions=\(query)", method: .post, headers: [.contentType: "image/png"], body: ByteBuffer(bytes: photo))
                #expect(viaQuery.status == .unprocessableContent, "\(text)")
                var form = ByteBuffer()
                form.writeString("--B\r\nContent-Disposition: form-data; name=\"regions\"\r\n\r\n\(text)\r\n")
                form.writeString("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n")
                form.writeBytes(photo)
                form.writeString("\r\n--B--\r\n")
                let multipart = try await client.execute(
                    uri: "/api/images", method: .post, headers: [.contentType: "multipart/form-data; boundary=B"], body: form)
                #expect(multipart.status == .unprocessableContent, "\(text)")
            }
            let json =
                #"{"filename": "a.png", "data": "\#(Data(photo).base64EncodedString())", "regions": [{"x": 2, "y": 0, "width": 0.1, "height": 0.1}]}"#
            let viaJSON = try await client.execute(
                uri: "/api/images", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: json))
            #expect(viaJSON.status == .unprocessableContent)
            let many = "[" + Array(repeating: #"{"x": 0, "y": 0, "width": 0.01, "height": 0.01}"#, count: 1001).joined(separator: ",") + "]"
            let tooMany = try await client.execute(
                uri: "/api/images/01m7yj88gxxmxx1r4dtw6w3eg0/regions", method: .put, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"regions": \#(many)}"#))
            #expect(tooMany.status == .unprocessableContent)
            let listed = try ServerFixture.json(try await client.execute(uri: "/api/images", method: .get))
            #expect((listed["images"] as? [Any])?.isEmpty == true, "no bad upload left a record")
        }
    }
}

/// The detector the fixture's configuration found, for measuring the answers against.
enum FaceDetectorForTests {
    static func make(_ settings: FaceSettings) throws -> any FaceDetector {
        try CenterFaceDetector(settings: settings)
    }
}
