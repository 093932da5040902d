import Configuration
import Foundation
import Testing

@testable import Server

@Suite struct ConfigurationTests {
    func file(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func defaultsThenFileThenFlags() async throws {
        let defaults = try await ServerConfiguration.load(flags: [:], file: nil)
        #expect(defaults.port == 8080 && defaults.dataDirectory == "./data" && defaults.runWorkers && defaults.maxQueueDepth == 1000)
        let path = try file(
            "port: 9000\ndata: /srv/darkroom\nqueue:\n  maxDepth: 50\nlimits:\n  maxPixels: 1000000\n  formats: jpeg,png\nworkers:\n  enabled: false\n"
        )
        let fromFile = try await ServerConfiguration.load(flags: [:], file: path)
        #expect(fromFile.port == 9000 && fromFile.dataDirectory == "/srv/darkroom" && fromFile.maxQueueDepth == 50)
        #expect(fromFile.limits.maxPixels == 1_000_000 && fromFile.limits.allowedFormats == [.jpeg, .png] && !fromFile.runWorkers)
        let flagged = try await ServerConfiguration.load(flags: ["port": .int(9100), "data": .string("/tmp/x")], file: path)
        #expect(flagged.port == 9100 && flagged.dataDirectory == "/tmp/x" && flagged.maxQueueDepth == 50)
    }

    @Test(arguments: [
        ("port: nope\n", "port: 'nope' is not a whole number"),
        ("port: 70000\n", "port must be between 0"),
        ("workers:\n  enabled: maybe\n", "workers.enabled: 'maybe' is not true or false"),
        ("queue:\n  maxDepth: 0\n", "queue.maxDepth must be at least 1"),
        ("limits:\n  formats: jpeg,bmp\n", "limits.formats: unknown format 'bmp'"),
        ("port: [unclosed\n", "cannot read the configuration file"),
    ])
    func badValuesAreRefusedByName(yaml: String, message: String) async throws {
        let path = try file(yaml)
        let error = try await #require(throws: ConfigurationError.self) { try await ServerConfiguration.load(flags: [:], file: path) }
        #expect(error.description.contains(message), "got: \(error.description)")
    }

    @Test func aMissingConfigFileIsAnError() async throws {
        await #expect(throws: ConfigurationError.self) { try await ServerConfiguration.load(flags: [:], file: "/nonexistent/darkroom.yaml") }
    }
}
