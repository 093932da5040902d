import Foundation
import TestSupport
import Testing

/// Fail closed: when face detection crashes, hangs or fails, a variant that redacts faces is
/// never published. The test-only failpoints (`DARKROOM_FAILPOINT=faces-abort|faces-stall|
/// faces-fail`) make the render child's detector do each.
@Suite(.serialized, .timeLimit(.minutes(10))) struct FailClosedTests {
    @Test(arguments: ["faces-abort", "faces-fail"])
    func processPublishesNothingOfARedactingRecipeWhenDetectionFails(_ failpoint: String) throws {
        let dir = try CommandRunner.temporaryDirectory()
        try CommandRunner.writePhoto(dir + "/a.jpg", width: 640, height: 480)
        let output = try CommandRunner.run(
            ["process", dir + "/a.jpg", "--recipe", "privacy", "--out", dir + "/out", "--json"], environment: ["DARKROOM_FAILPOINT": failpoint])
        #expect(output.status == 1, "\(output.stderr)")
        let report = try #require(try output.jsonLines().first)
        #expect(report["status"] as? String == "failed")
        let message = report["error"] as? String ?? ""
        #expect(message.contains(failpoint == "faces-abort" ? "Processing crashed twice" : "Face detection failed"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/a"), "no variant of a redacting recipe is written")
    }

    @Test func aRecipeThatDoesNotRedactNeverTouchesTheDetector() throws {
        let dir = try CommandRunner.temporaryDirectory()
        try CommandRunner.writePhoto(dir + "/a.jpg", width: 640, height: 480)
        let output = try CommandRunner.run(
            ["process", dir + "/a.jpg", "--recipe", "default", "--out", dir + "/out", "--json"], environment: ["DARKROOM_FAILPOINT": "faces-abort"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/out/a/large.jpg"))
    }

    /// A detector that hangs is killed at the render deadline, twice, and the image is FAILED
    /// with no variant stored; the service keeps answering.
    @Test func serveFailsAnImageWhoseDetectionHangsAndStoresNoVariant() async throws {
        let data = try CommandRunner.temporaryDirectory()
        try CommandRunner.writePhoto(data + "/a.jpg", width: 640, height: 480)
        let server = try ServerProcess(
            data: data + "/service", environment: ["DARKROOM_FAILPOINT": "faces-stall", "DARKROOM_WORKER_VISIBILITY_SECONDS": "2"])
        let port = try await server.port()
        let base = "http://127.0.0.1:\(port)"
        let id = try #require(
            try Curl.json(["-H", "Content-Type: image/jpeg", "--data-binary", "@\(data)/a.jpg", base + "/api/images?recipe=privacy"])["id"] as? String
        )
        var record: [String: Any] = [:]
        try? await eventually("the image to end", poll: .milliseconds(100)) {
            record = try Curl.json([base + "/api/images/\(id)"])
            return ["COMPLETED", "FAILED"].contains(record["status"] as? String ?? "")
        }
        #expect(record["status"] as? String == "FAILED")
        #expect((record["error"] as? String ?? "").contains("ran longer than"), "\(record["error"] ?? "")")
        #expect((record["variants"] as? [Any])?.isEmpty == true)
        let variants = (try? FileManager.default.subpathsOfDirectory(atPath: data + "/service/blobs/variants")) ?? []
        #expect(variants.filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.isEmpty, "\(variants)")
        #expect(try Curl.run([base + "/healthz"]).contains("ok"))
        _ = try await server.terminate(timeout: .seconds(10))
    }
}
