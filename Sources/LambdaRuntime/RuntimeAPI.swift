import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One invocation, as `/next` hands it out.
public struct LambdaInvocation: Sendable {
    public var requestID: String
    /// When Lambda stops the function. Work must end, and its answer be posted, before this.
    public var deadline: Date
    public var functionARN: String
    public var traceID: String?
    public var event: [UInt8]

    public init(requestID: String, deadline: Date, functionARN: String = "", traceID: String? = nil, event: [UInt8]) {
        self.requestID = requestID
        self.deadline = deadline
        self.functionARN = functionARN
        self.traceID = traceID
        self.event = event
    }

    /// `Lambda-Runtime-Deadline-Ms` is milliseconds since the epoch. An emulator that sends a
    /// small number instead (cargo-lambda sends a fixed 600000) means a duration from now: any
    /// value before 2001 is read that way rather than as a deadline long past.
    public static func deadline(fromHeader value: String?, now: Date = Date()) -> Date {
        guard let value, let milliseconds = Double(value.trimmingCharacters(in: .whitespaces)), milliseconds > 0 else {
            return now.addingTimeInterval(900)  // Lambda's longest timeout
        }
        if milliseconds < 978_307_200_000 { return now.addingTimeInterval(milliseconds / 1000) }
        return Date(timeIntervalSince1970: milliseconds / 1000)
    }
}

/// What `/error` and `/init/error` carry: Lambda shows `errorType` and `errorMessage` to the
/// caller and in the function's metrics.
public struct LambdaFunctionError: Error, Sendable, Codable, Equatable, CustomStringConvertible {
    public var errorType: String
    public var errorMessage: String
    public var stackTrace: [String] = []

    public init(type: String, message: String) {
        errorType = type
        errorMessage = message
    }

    public var description: String { "\(errorType): \(errorMessage)" }
}

/// A Runtime API that failed in a way that retrying does not fix, or kept failing.
public struct RuntimeAPIError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// The client side of the Lambda Runtime API (version 2018-06-01): `/next`, `/response`,
/// `/error` and `/init/error`, over `AWS_LAMBDA_RUNTIME_API`.
///
/// - The address is `host:port`, or `host:port/path` (cargo-lambda's emulator serves the API
///   under `/.rt`, and prints it with `http://`, which is accepted too).
/// - `/next` is a long poll with no timeout: Lambda answers only when there is an event, and
///   freezes the process meanwhile. Posts have a timeout.
/// - A 5xx or a refused connection is retried with backoff; after `maxAttempts` the error is
///   thrown, and the process should exit so that Lambda starts a fresh one.
public final class RuntimeAPIClient: Sendable {
    public let base: String
    let http: HTTPClient
    let maxAttempts: Int
    static let version = "2018-06-01"

    public init(address: String, http: HTTPClient = .shared, maxAttempts: Int = 5) throws {
        // cargo-lambda prints the address with its scheme; Lambda gives none.
        var trimmed = address.trimmingCharacters(in: CharacterSet(charactersIn: "/ "))
        if trimmed.lowercased().hasPrefix("http://") { trimmed = String(trimmed.dropFirst(7)) }
        guard !trimmed.isEmpty, !trimmed.contains("://"), URL(string: "http://\(trimmed)")?.host != nil else {
            throw RuntimeAPIError(description: "AWS_LAMBDA_RUNTIME_API must be host:port or host:port/path, not '\(address)'")
        }
        base = "http://\(trimmed)/\(Self.version)"
        self.http = http
        self.maxAttempts = max(1, maxAttempts)
    }

    /// Waits for the next event.
    public func next() async throws -> LambdaInvocation {
        let response = try await send(.GET, "runtime/invocation/next", body: nil, timeout: nil)
        guard response.status == 200 else {
            throw RuntimeAPIError(description: "/next answered \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
        guard let requestID = response.headers.first(name: "Lambda-Runtime-Aws-Request-Id"), !requestID.isEmpty else {
            throw RuntimeAPIError(description: "/next answered without Lambda-Runtime-Aws-Request-Id")
        }
        return LambdaInvocation(
            requestID: requestID, deadline: LambdaInvocation.deadline(fromHeader: response.headers.first(name: "Lambda-Runtime-Deadline-Ms")),
            functionARN: response.headers.first(name: "Lambda-Runtime-Invoked-Function-Arn") ?? "",
            traceID: response.headers.first(name: "Lambda-Runtime-Trace-Id"), event: response.body)
    }

    /// Posts the invocation's answer. A 413 (the answer is over Lambda's 6 MB) is thrown, so
    /// the caller can post an error instead.
    public func respond(to requestID: String, body: [UInt8]) async throws {
        let response = try await send(.POST, "runtime/invocation/\(Self.escape(requestID))/response", body: body, timeout: .seconds(30))
        guard (200..<300).contains(response.status) else {
            throw RuntimeAPIError(
                description: "/response answered \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
    }

    /// Reports that the invocation failed.
    public func fail(_ requestID: String, error: LambdaFunctionError) async throws {
        try await postError("runtime/invocation/\(Self.escape(requestID))/error", error)
    }

    /// Reports that the function could not start; Lambda then ends the process.
    public func failInit(_ error: LambdaFunctionError) async throws {
        try await postError("runtime/init/error", error)
    }

    private func postError(_ path: String, _ error: LambdaFunctionError) async throws {
        let body = Array(try JSONEncoder().encode(error))
        let response = try await send(
            .POST, path, body: body, timeout: .seconds(30), headers: [("Lambda-Runtime-Function-Error-Type", error.errorType)])
        guard (200..<300).contains(response.status) else {
            throw RuntimeAPIError(description: "\(path) answered \(response.status)")
        }
    }

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    /// One call, retried on a refused connection or a 5xx with a growing pause.
    private func send(_ method: HTTPMethod, _ path: String, body: [UInt8]?, timeout: TimeAmount?, headers: [(String, String)] = []) async throws
        -> Answer
    {
        var attempt = 0
        while true {
            attempt += 1
            var request = HTTPClientRequest(url: "\(base)/\(path)")
            request.method = method
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(body)
            }
            do {
                let response = try await http.execute(request, timeout: timeout ?? .hours(24))
                var collected = try await response.body.collect(upTo: 64 << 20)
                let answer = Answer(
                    status: Int(response.status.code), headers: response.headers, body: collected.readBytes(length: collected.readableBytes) ?? [])
                if answer.status >= 500, attempt < maxAttempts {
                    try await Task.sleep(for: .milliseconds(100 << min(attempt, 5)))
                    continue
                }
                return answer
            } catch let error where !(error is CancellationError) && attempt < maxAttempts {
                try await Task.sleep(for: .milliseconds(100 << min(attempt, 5)))
            }
        }
    }

    static func escape(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? id
    }
}
