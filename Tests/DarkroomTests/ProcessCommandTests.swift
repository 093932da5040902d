import Foundation
import Imaging
import Testing

@Suite(.timeLimit(.minutes(10))) struct ProcessCommandTests {
    @Test func processesADirectoryIntoStemFoldersWithJSONLines() throws {
        let input = try CommandRunner.temporaryDirectory()
        let out = try CommandRunner.temporaryDirectory()
        try CommandRunner.writePhoto(input + "/wide.jpg", width: 2000, height: 1000)
        try CommandRunner.writePhoto(input + "/tall.jpg", width: 600, height: 900)
        try "not an image".write(toFile: input + "/README.txt", atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(["process", input, "--recipe", "default", "--out", out, "--json", "--jobs", "2"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let reports = try result.jsonLines()
        #expect(reports.count == 2, "README.txt is skipped, not failed")
        #expect(result.stderr.contains("1 non-image file skipped"))
        for report in reports {
            #expect(report["status"] as? String == "completed")
            #expect(report["error"] == nil)
            let variants = try #require(report["variants"] as? [[String: Any]])
            #expect(variants.compactMap { $0["name"] as? String } == ["thumbnail", "medium", "large"])
            for variant in variants {
                let path = try #require(variant["path"] as? String)
                let stem = ((report["input"] as? String ?? "") as NSString).lastPathComponent.replacingOccurrences(of: ".jpg", with: "")
                #expect(path == "\(out)/\(stem)/\(variant["name"]!).jpg")
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
                #expect(variant["bytes"] as? Int == bytes.count)
                #expect(variant["format"] as? String == "jpeg")
                let header = try ImageSource.open(bytes).header
                #expect(header.width == variant["width"] as? Int && header.height == variant["height"] as? Int)
            }
        }
        let wide = try #require(reports.first { ($0["input"] as? String)?.hasSuffix("wide.jpg") == true })
        let sizes = (wide["variants"] as? [[String: Any]] ?? []).map { "\($0["width"]!)x\($0["height"]!)" }
        #expect(sizes == ["150x75", "800x400", "1600x800"])
    }

    @Test func aBadInputFailsWithExitOneWhileTheOthersAreStillProcessed() throws {
        let input = try CommandRunner.temporaryDirectory()
        let out = try CommandRunner.temporaryDirectory()
        try CommandRunner.writePhoto(input + "/good.jpg", width: 300, height: 200)
        let good = try Data(contentsOf: URL(fileURLWithPath: input + "/good.jpg"))
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: input + "/truncated.jpg"))
        try Data().write(to: URL(fileURLWithPath: input + "/empty.png"))
        let result = try CommandRunner.run(["process", input, input + "/missing.jpg", "--out", out, "--json"])
        #expect(result.status == 1)
        let reports = try result.jsonLines()
        let byName = Dictionary(uniqueKeysWithValues: reports.map { (URL(fileURLWithPath: $0["input"] as? String ?? "").lastPathComponent, $0) })
        #expect(byName["good.jpg"]?["status"] as? String == "completed")
        #expect((byName["truncated.jpg"]?["error"] as? String)?.contains("corrupt or truncated") == true)
        #expect(byName["empty.png"]?["error"] as? String == "The file is empty.")
        #expect(byName["missing.jpg"]?["error"] as? String == "no such file")
        #expect(!FileManager.default.fileExists(atPath: out + "/truncated"), "a failed input leaves no output folder")
        #expect(FileManager.default.fileExists(atPath: out + "/good/large.jpg"))
    }

    @Test func humanOutputSummarisesOnStandardError() throws {
        let input = try CommandRunner.temporaryDirectory()
        try CommandRunner.writePhoto(input + "/a.jpg", width: 100, height: 100)
        let result = try CommandRunner.run(["process", input + "/a.jpg", "--out", try CommandRunner.temporaryDirectory(), "--recipe", "pixelate"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("1 input: 1 completed, 0 failed; 6 variants written"))
    }

    @Test func sameStemsGetDistinctFolders() throws {
        let input = try CommandRunner.temporaryDirectory()
        let out = try CommandRunner.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: input + "/b", withIntermediateDirectories: true)
        try CommandRunner.writePhoto(input + "/photo.jpg", width: 50, height: 50)
        try CommandRunner.writePhoto(input + "/b/photo.jpg", width: 60, height: 60)
        let result = try CommandRunner.run(["process", input, "--out", out, "--recipe", "grayscale"])
        #expect(result.status == 0)
        #expect(FileManager.default.fileExists(atPath: out + "/photo/grayscale.png"))
        #expect(FileManager.default.fileExists(atPath: out + "/photo-2/grayscale.png"))
    }

    @Test(arguments: [
        ["process", "x.jpg"],
        ["process", "x.jpg", "--out", "/tmp/o", "--recipe", "no-such-recipe"],
        ["process", "x.jpg", "--out", "/tmp/o", "--jobs", "0"],
        ["process", "x.jpg", "--out", "/tmp/o", "--bogus"],
        ["process", "x.jpg", "--out", "/tmp/o", "--formats", "jpeg,bmp"],
        ["process", "x.jpg", "--out", "/tmp/o", "--recipes", "/nonexistent/recipes.yaml"],
        ["frobnicate"],
    ])
    func usageErrorsExitTwoWithAMessage(arguments: [String]) throws {
        let result = try CommandRunner.run(arguments)
        #expect(result.status == 2, "stdout: \(result.stdout) stderr: \(result.stderr)")
        #expect(result.stderr.contains("Error:"))
    }

    @Test func aBadRecipeFileNamesTheFieldAndExitsTwo() throws {
        let recipes = try CommandRunner.temporaryDirectory() + "/recipes.yaml"
        try "recipes:\n  mine:\n    variants:\n      v:\n        format: jpeg\n        operations: [{resize: {width: -3}}]\n".write(
            toFile: recipes, atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(["process", "x.jpg", "--out", "/tmp/o", "--recipes", recipes, "--recipe", "mine"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("recipe 'mine', variant 'v', field 'operations[0].resize.width'"))
    }

    @Test func limitsAreConfigurableFromTheCommandLine() throws {
        let input = try CommandRunner.temporaryDirectory()
        try CommandRunner.writePhoto(input + "/big.jpg", width: 400, height: 300)
        let result = try CommandRunner.run([
            "process", input + "/big.jpg", "--out", try CommandRunner.temporaryDirectory(), "--max-pixels", "100000", "--json",
        ])
        #expect(result.status == 1)
        #expect((try result.jsonLines().first?["error"] as? String)?.contains("limit is 100000 pixels") == true)
        let refused = try CommandRunner.run([
            "process", input + "/big.jpg", "--out", try CommandRunner.temporaryDirectory(), "--formats", "png", "--json",
        ])
        #expect((try refused.jsonLines().first?["error"] as? String)?.contains("not accepted") == true)
    }

    @Test func recipesCommandListsAndValidates() throws {
        let result = try CommandRunner.run(["recipes"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("default:") && result.stdout.contains("  large [jpeg] resize"))
    }

    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: CommandRunner.packageRoot.path + "/../shared/corpus/bench"),
            "../shared/corpus/bench not found: skipped"))
    func samplePhotosProduceBoundedJPEGs() throws {
        let out = try CommandRunner.temporaryDirectory()
        let result = try CommandRunner.run([
            "process", CommandRunner.packageRoot.path + "/../shared/corpus/bench", "--recipe", "default", "--out", out, "--json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let reports = try result.jsonLines()
        #expect(reports.count == 6)
        for report in reports {
            let variants = try #require(report["variants"] as? [[String: Any]])
            let longest = variants.map { max($0["width"] as? Int ?? 0, $0["height"] as? Int ?? 0) }
            #expect(longest == [150, 800, 1600], "\(report["input"] ?? "")")
        }
    }
}
