import AWSSigning
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

@testable import AWSBackends

#if canImport(Glibc)
    import Glibc
#endif

/// A moto_server (from the checkout's .venv) on 127.0.0.1, shared by the tests of this process.
/// With `signed`, moto checks signatures: its first three actions make an IAM user with an
/// allow-all policy, and every request after that must be signed with that user's key. A
/// watcher shell stops moto when the test process ends, however it ends. It uses SIGKILL: the
/// test process's children inherit a signal mask that blocks SIGTERM.
actor MotoServer {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static let binary = packageRoot.appendingPathComponent(".venv/bin/moto_server")
    static var available: Bool { FileManager.default.isExecutableFile(atPath: binary.path) }
    static let skipReason: Comment = "moto_server is not in .venv (make venv installs it), so the S3, SQS, SNS and DynamoDB tests are skipped"

    static let signed = MotoServer(signed: true)
    static let open = MotoServer(signed: false)

    let signed: Bool
    private var starting: Task<AWSEnvironment, any Error>?

    init(signed: Bool) { self.signed = signed }

    /// The environment to reach this moto with, starting it on first use. Concurrent callers
    /// share one start.
    func environment() async throws -> AWSEnvironment {
        if let starting { return try await starting.value }
        let signed = self.signed
        let task = Task { try await Self.start(signed: signed) }
        starting = task
        return try await task.value
    }

    static func start(signed: Bool) async throws -> AWSEnvironment {
        let port = try Self.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let pid = getpid()
        let watcher =
            "\"$0\" -H 127.0.0.1 -p \(port) >/dev/null 2>&1 & m=$!; "
            + "while kill -0 \(pid) 2>/dev/null && [ \"$(cut -d' ' -f3 /proc/\(pid)/stat 2>/dev/null)\" != Z ]; do sleep 1; done; kill -9 $m"
        process.arguments = ["-c", watcher, Self.binary.path]
        var environment = ProcessInfo.processInfo.environment
        if signed { environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "3" }
        process.environment = environment
        // The watcher must not hold the test runner's output open, or the runner waits on it.
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let endpoint = URL(string: "http://127.0.0.1:\(port)")!
        try await Self.waitUntilUp(endpoint)
        var aws = AWSEnvironment(
            credentials: AWSCredentials(accessKeyID: "AKIDBOOTSTRAP", secretAccessKey: "bootstrap"), region: "us-east-1", endpoints: ["": endpoint])
        if signed { aws.credentials = try await Self.createUser(aws) }
        return aws
    }

    /// CreateUser, CreateAccessKey and PutUserPolicy: the three unauthenticated actions.
    static func createUser(_ environment: AWSEnvironment) async throws -> AWSCredentials {
        let iam = AWSClient(environment: environment, service: "iam")
        func call(_ parameters: [(String, String)]) async throws -> String {
            let body = Array(SigV4Encoding.queryString(parameters + [("Version", "2010-05-08")]).utf8)
            return try await iam.send(.POST, path: "/", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: body).text
        }
        _ = try await call([("Action", "CreateUser"), ("UserName", "darkroom")])
        let key = try await call([("Action", "CreateAccessKey"), ("UserName", "darkroom")])
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
        _ = try await call([("Action", "PutUserPolicy"), ("UserName", "darkroom"), ("PolicyName", "all"), ("PolicyDocument", policy)])
        guard let id = XMLText.first("AccessKeyId", in: key), let secret = XMLText.first("SecretAccessKey", in: key) else {
            throw MotoError(message: "CreateAccessKey answered: \(key)")
        }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret)
    }

    static func waitUntilUp(_ endpoint: URL) async throws {
        for _ in 0..<200 {
            if let response = try? await HTTPClient.shared.execute(
                HTTPClientRequest(url: endpoint.absoluteString + "/moto-api/"), timeout: .seconds(1)),
                response.status.code < 500
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw MotoError(message: "moto_server did not answer on \(endpoint)")
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw MotoError(message: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A name no other test uses, for buckets, tables and queues.
    static func uniqueName(_ stem: String) -> String {
        "\(stem)-\(UUID().uuidString.lowercased().prefix(12))"
    }
}

struct MotoError: Error {
    var message: String
}
