import Configuration
import Foundation
import Pipeline
import Testing

@testable import Composition
@testable import Server

@Suite(.timeLimit(.minutes(10))) struct ConfigurationTests {
    func file(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func defaultsThenFileThenFlags() async throws {
        let defaults = try await DarkroomConfiguration.load(flags: [:], file: nil)
        #expect(defaults.port == 8080 && defaults.dataDirectory == "./data" && defaults.runWorkers && defaults.maxQueueDepth == 1000)
        let path = try file(
            "port: 9000\ndata: /srv/darkroom\nqueue:\n  maxDepth: 50\nlimits:\n  maxPixels: 1000000\n  formats: jpeg,png\nworkers:\n  enabled: false\n"
        )
        let fromFile = try await DarkroomConfiguration.load(flags: [:], file: path)
        #expect(fromFile.port == 9000 && fromFile.dataDirectory == "/srv/darkroom" && fromFile.maxQueueDepth == 50)
        #expect(fromFile.limits.maxPixels == 1_000_000 && fromFile.limits.allowedFormats == [.jpeg, .png] && !fromFile.runWorkers)
        let flagged = try await DarkroomConfiguration.load(flags: ["port": .int(9100), "data": .string("/tmp/x")], file: path)
        #expect(flagged.port == 9100 && flagged.dataDirectory == "/tmp/x" && flagged.maxQueueDepth == 50)
    }

    @Test(arguments: [
        ("port: nope\n", "port: 'nope' is not a whole number"),
        ("port: 70000\n", "port must be between 0"),
        ("workers:\n  enabled: maybe\n", "workers.enabled: 'maybe' is not true or false"),
        ("queue:\n  maxDepth: 0\n", "queue.maxDepth must be at least 1"),
        ("worker:\n  isolation: threads\n", "worker.isolation must be 'process' or 'none', not 'threads'"),
        ("server:\n  idleTimeoutSeconds: 0\n", "server.idleTimeoutSeconds must be between 1 and 3600, not 0"),
        ("server:\n  idleTimeoutSeconds: soon\n", "server.idleTimeoutSeconds: 'soon' is not a whole number"),
        ("server:\n  maxBodyBytesInFlight: -5\n", "server.maxBodyBytesInFlight must be a positive number of bytes, not -5"),
        ("limits:\n  formats: jpeg,bmp\n", "limits.formats: unknown format 'bmp'"),
        ("port: [unclosed\n", "cannot read the configuration file"),
        ("storage: ftp://host/x\n", "storage must be a directory or s3://bucket/prefix"),
        ("metadata: mysql://db\n", "metadata must be sqlite, postgres://USER:PASSWORD@HOST:PORT/DB or dynamodb://TABLE"),
        ("metadata: dynamodb://\n", "metadata must be sqlite, postgres://USER:PASSWORD@HOST:PORT/DB or dynamodb://TABLE"),
        ("metadata: postgres://u:secret@db/x?sslmode=sometimes\n", "metadata: sslmode must be one of disable, allow, prefer, require"),
        ("metadata: postgres://u:secret@db/x?colour=blue\n", "the PostgreSQL URL parameter 'colour' is not supported"),
        ("metadata: postgres://u:secret@db/x\nqueue:\n  url: sqlite\n", "would keep each machine's jobs to itself"),
        ("metadata: postgres://u:secret@db/x\nqueue:\n  url: postgres://u:secret@other/y\n", "queue.url must name the metadata database"),
        ("queue:\n  url: postgres\n", "queue.url postgres needs metadata postgres"),
        ("queue:\n  url: redis://x\n", "queue.url must be sqlite, postgres, sqs://NAME or a queue URL"),
        ("notify: http://example.com/hook\n", "notify: 'http://example.com/hook' is not an SNS topic"),
        ("s3:\n  serverSideEncryption: DES\n", "s3.serverSideEncryption must be AES256 or aws:kms"),
        ("s3:\n  presignedLinks: sometimes\n", "s3.presignedLinks: 'sometimes' is not true or false"),
        ("events:\n  queue: sqs://q\n", "--events needs --input s3://bucket/prefix"),
        ("events:\n  queue: sqs://q\n  input: s3://b-1/in\n", "--events needs --output"),
        ("events:\n  queue: sqs://q\n  input: s3://b-1/in\n  output: s3://b-1/in/out\n", "overlap"),
        ("events:\n  queue: sqs://q\n  input: s3://Bad_Bucket/in\n  output: s3://b-1/out\n", "not a valid bucket name"),
        ("faces:\n  detector: haar\n", "faces.detector must be 'centerface' or 'off', not 'haar'"),
        ("faces:\n  probe: 100\n", "faces.probe must be a multiple of 32 between 128 and 2048, not 100"),
        ("faces:\n  probe: big\n", "faces.probe: 'big' is not a whole number"),
        ("faces:\n  threshold: 2\n", "faces.threshold must be between 0.05 and 0.99, not 2.0"),
        ("faces:\n  threshold: high\n", "faces.threshold: 'high' is not a number"),
    ])
    func badValuesAreRefusedByName(yaml: String, message: String) async throws {
        let path = try file(yaml)
        let error = try await #require(throws: ConfigurationError.self) { try await DarkroomConfiguration.load(flags: [:], file: path) }
        #expect(error.description.contains(message), "got: \(error.description)")
        #expect(!error.description.contains("secret"), "a password is never repeated: \(error.description)")
    }

    @Test func anAWSBackendWithoutCredentialsSaysWhatToSet() async throws {
        var configuration = DarkroomConfiguration()
        configuration.storage = "s3://photos/darkroom"
        // With no keys, profile, token or container agent, the instance metadata service is the
        // last source; where it is turned off, the start says what to set.
        let nowhere = [
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials", "AWS_CONFIG_FILE": "/nonexistent/config",
            "AWS_EC2_METADATA_DISABLED": "true",
        ]
        let error = try #require(throws: ConfigurationError.self) {
            _ = try Runtime(configuration: configuration, environment: nowhere)
        }
        #expect(error.description.contains("AWS_ACCESS_KEY_ID"), "got: \(error.description)")
    }

    @Test func aMissingConfigFileIsAnError() async throws {
        await #expect(throws: ConfigurationError.self) { try await DarkroomConfiguration.load(flags: [:], file: "/nonexistent/darkroom.yaml") }
    }

    /// A face model that is missing or corrupt stops the start, with a message that says what to install.
    @Test(arguments: ["/nonexistent/centerface.onnx", "corrupt"])
    func aMissingOrCorruptFaceModelStopsTheStart(model: String) async throws {
        var path = model
        if model == "corrupt" {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("corrupt-\(UUID()).onnx").path
            try Data(repeating: 7, count: 2048).write(to: URL(fileURLWithPath: path))
        }
        let error = await #expect(throws: ConfigurationError.self) { _ = try await ServerFixture { $0.faces.model = path } }
        #expect(error?.description.contains("make venv") == true, "got: \(String(describing: error))")
    }
}
