import AWSSigning
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Credentials and when they stop working (nil: never).
public struct ExpiringCredentials: Sendable, Equatable {
    public var credentials: AWSCredentials
    public var expiration: Date?

    public init(credentials: AWSCredentials, expiration: Date?) {
        self.credentials = credentials
        self.expiration = expiration
    }
}

/// The credentials every request of a process signs with, from one `CredentialSource`.
///
/// Temporary credentials are refreshed ahead of their expiry, and without a stall or a herd:
/// - with more than `refreshAhead` left, the cached credentials are used;
/// - inside that window they are still used, and one refresh starts in the background (a
///   failed refresh keeps them and is tried again on the next request);
/// - only with less than `mustRefresh` left, or none yet, does a request wait, and every
///   request waiting then shares the one fetch.
///
/// One provider per source per process (`shared(for:)`): S3, SQS, SNS and DynamoDB clients
/// share it, so a process makes one fetch, not one per client.
public final class CredentialsProvider: Sendable {
    public typealias Fetch = @Sendable () async throws -> ExpiringCredentials

    struct State {
        var cached: ExpiringCredentials?
        var refresh: Task<ExpiringCredentials, any Error>?
        var fetches = 0
    }

    let fetch: Fetch
    let refreshAhead: TimeInterval
    let mustRefresh: TimeInterval
    private let state = Mutex(State())

    public init(refreshAhead: TimeInterval = 300, mustRefresh: TimeInterval = 60, fetch: @escaping Fetch) {
        self.fetch = fetch
        self.refreshAhead = refreshAhead
        self.mustRefresh = mustRefresh
    }

    /// How many fetches have started, for tests and metrics.
    public var fetches: Int { state.withLock { $0.fetches } }

    /// The last credentials fetched, without waiting: for presigning, which cannot wait.
    public var latest: AWSCredentials? { state.withLock { $0.cached?.credentials } }

    public func credentials(now: Date = Date()) async throws -> AWSCredentials {
        enum Decision {
            case use(AWSCredentials)
            case wait(Task<ExpiringCredentials, any Error>)
        }
        let decision: Decision = state.withLock { state in
            if let cached = state.cached {
                let left = cached.expiration.map { $0.timeIntervalSince(now) } ?? .infinity
                if left > refreshAhead { return .use(cached.credentials) }
                if left > mustRefresh {
                    if state.refresh == nil { state.refresh = startRefresh(&state) }
                    return .use(cached.credentials)
                }
            }
            let task = state.refresh ?? startRefresh(&state)
            state.refresh = task
            return .wait(task)
        }
        switch decision {
        case .use(let credentials): return credentials
        case .wait(let task): return try await task.value.credentials
        }
    }

    /// Starts the one fetch; it stores its result and clears itself when done. Called under
    /// the lock.
    private func startRefresh(_ state: inout State) -> Task<ExpiringCredentials, any Error> {
        state.fetches += 1
        return Task { [fetch] in
            do {
                let fresh = try await fetch()
                self.state.withLock {
                    $0.cached = fresh
                    $0.refresh = nil
                }
                return fresh
            } catch {
                self.state.withLock { $0.refresh = nil }
                throw error
            }
        }
    }

    // MARK: One provider per source

    private static let providers = Mutex<[CredentialSource: CredentialsProvider]>([:])

    /// The process's provider for `source` in `environment` (its region and STS endpoint).
    public static func shared(for environment: AWSEnvironment, http: HTTPClient = .shared) -> CredentialsProvider {
        let source = environment.credentialSource
        return providers.withLock { providers in
            if let provider = providers[source] { return provider }
            let provider = CredentialsProvider(fetch: CredentialSources.fetcher(for: source, environment: environment, http: http))
            providers[source] = provider
            return provider
        }
    }
}

/// Credentials that could not be had, and from where.
public struct CredentialsError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// How each source hands out credentials, by its documented protocol.
enum CredentialSources {
    static func fetcher(for source: CredentialSource, environment: AWSEnvironment, http: HTTPClient) -> CredentialsProvider.Fetch {
        switch source {
        case .fixed(let credentials):
            return { ExpiringCredentials(credentials: credentials, expiration: nil) }
        case .webIdentity(let tokenFile, let role, let session):
            let endpoint = environment.endpoint(for: "sts")
            return { try await webIdentity(tokenFile: tokenFile, role: role, session: session, endpoint: endpoint, http: http) }
        case .container(let url, let token, let tokenFile):
            return { try await container(url: url, token: token, tokenFile: tokenFile, http: http) }
        case .instanceMetadata(let endpoint):
            return { try await instanceMetadata(endpoint: endpoint, http: http) }
        }
    }

    struct Answer {
        var status: Int
        var body: String
    }

    static func call(_ request: HTTPClientRequest, timeout: TimeAmount, http: HTTPClient, what: String) async throws -> Answer {
        do {
            let response = try await http.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: 1 << 20)
            return Answer(status: Int(response.status.code), body: String(buffer: body))
        } catch {
            throw CredentialsError(description: "No AWS credentials: \(what) did not answer (\(error)).")
        }
    }

    /// STS `AssumeRoleWithWebIdentity`: an unsigned call that trades the token for a role's
    /// temporary credentials.
    static func webIdentity(tokenFile: String, role: String, session: String, endpoint: URL, http: HTTPClient) async throws
        -> ExpiringCredentials
    {
        guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
            !token.isEmpty
        else {
            throw CredentialsError(description: "No AWS credentials: the web identity token file \(tokenFile) cannot be read or is empty.")
        }
        let form = [
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", role), ("RoleSessionName", session),
            ("WebIdentityToken", token),
        ]
        var request = HTTPClientRequest(url: endpoint.absoluteString.hasSuffix("/") ? endpoint.absoluteString : endpoint.absoluteString + "/")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")
        request.body = .bytes(ByteBuffer(string: SigV4Encoding.queryString(form)))
        let answer = try await call(request, timeout: .seconds(10), http: http, what: "STS at \(endpoint.absoluteString)")
        guard answer.status == 200, let key = XMLText.first("AccessKeyId", in: answer.body),
            let secret = XMLText.first("SecretAccessKey", in: answer.body)
        else {
            let message = XMLText.first("Message", in: answer.body) ?? String(answer.body.prefix(200))
            throw CredentialsError(description: "No AWS credentials: STS refused the web identity for \(role) (\(answer.status)): \(message)")
        }
        return ExpiringCredentials(
            credentials: AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: XMLText.first("SessionToken", in: answer.body)),
            expiration: XMLText.first("Expiration", in: answer.body).flatMap(parseDate))
    }

    /// The ECS / EKS Pod Identity agent: a GET with the authorization token, answered with JSON.
    static func container(url: URL, token: String?, tokenFile: String?, http: HTTPClient) async throws -> ExpiringCredentials {
        var request = HTTPClientRequest(url: url.absoluteString)
        var authorization = token
        if let tokenFile {
            // Read each time: the agent rotates it.
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw CredentialsError(description: "No AWS credentials: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(tokenFile) cannot be read.")
            }
            authorization = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let authorization {
            guard !authorization.contains("\r"), !authorization.contains("\n") else {
                throw CredentialsError(description: "No AWS credentials: the container authorization token holds a line break.")
            }
            request.headers.add(name: "Authorization", value: authorization)
        }
        let answer = try await call(request, timeout: .seconds(5), http: http, what: "the container credentials endpoint \(url.absoluteString)")
        guard answer.status == 200 else {
            throw CredentialsError(
                description: "No AWS credentials: the container credentials endpoint answered \(answer.status): \(answer.body.prefix(200))")
        }
        return try json(answer.body, from: "the container credentials endpoint")
    }

    /// IMDSv2: a session token (PUT), the role's name, then the role's credentials.
    static func instanceMetadata(endpoint: URL, http: HTTPClient) async throws -> ExpiringCredentials {
        let base = endpoint.absoluteString.hasSuffix("/") ? String(endpoint.absoluteString.dropLast()) : endpoint.absoluteString
        let what = "the EC2 instance metadata service at \(base)"
        var tokenRequest = HTTPClientRequest(url: "\(base)/latest/api/token")
        tokenRequest.method = .PUT
        tokenRequest.headers.add(name: "X-aws-ec2-metadata-token-ttl-seconds", value: "21600")
        let token = try await call(tokenRequest, timeout: .seconds(2), http: http, what: what)
        guard token.status == 200, !token.body.isEmpty else {
            throw CredentialsError(description: "No AWS credentials: \(what) gave no IMDSv2 token (\(token.status)).")
        }
        func get(_ path: String) async throws -> Answer {
            var request = HTTPClientRequest(url: "\(base)\(path)")
            request.headers.add(name: "X-aws-ec2-metadata-token", value: token.body)
            return try await call(request, timeout: .seconds(2), http: http, what: what)
        }
        let roles = try await get("/latest/meta-data/iam/security-credentials/")
        guard roles.status == 200, let role = roles.body.split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty else {
            throw CredentialsError(description: "No AWS credentials: the instance has no IAM role (\(what) answered \(roles.status)).")
        }
        let answer = try await get("/latest/meta-data/iam/security-credentials/\(SigV4Encoding.uriEncode(role))")
        guard answer.status == 200 else {
            throw CredentialsError(description: "No AWS credentials: \(what) answered \(answer.status) for the role \(role).")
        }
        return try json(answer.body, from: what)
    }

    /// The JSON both the container agent and IMDS answer with.
    static func json(_ body: String, from what: String) throws -> ExpiringCredentials {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let key = object["AccessKeyId"] as? String, let secret = object["SecretAccessKey"] as? String
        else {
            throw CredentialsError(description: "No AWS credentials: \(what) answered without AccessKeyId and SecretAccessKey.")
        }
        if let code = object["Code"] as? String, code != "Success" {
            throw CredentialsError(description: "No AWS credentials: \(what) answered \(code).")
        }
        return ExpiringCredentials(
            credentials: AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: object["Token"] as? String),
            expiration: (object["Expiration"] as? String).flatMap(parseDate))
    }

    static func parseDate(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
