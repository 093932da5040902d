import AWSSigning
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import AWSBackends

/// The refresh rules of `CredentialsProvider`, with a fetch that counts its calls and a clock
/// the test sets. (The sources themselves are tested against moto's STS and documented-protocol
/// servers in e2e/test_credentials.py.)
@Suite(.timeLimit(.minutes(10))) struct CredentialsProviderTests {
    final class Issuer: Sendable {
        let calls = Mutex(0)
        let lifetime: TimeInterval
        let base: Date

        init(lifetime: TimeInterval, base: Date) {
            self.lifetime = lifetime
            self.base = base
        }

        func fetch() async throws -> ExpiringCredentials {
            let n = calls.withLock {
                $0 += 1
                return $0
            }
            try await Task.sleep(for: .milliseconds(50))
            return ExpiringCredentials(
                credentials: AWSCredentials(accessKeyID: "KEY\(n)", secretAccessKey: "s", sessionToken: "t"),
                // Each set lasts an hour longer than the one before, as a renewal does.
                expiration: base.addingTimeInterval(lifetime + 3600 * Double(n - 1)))
        }
    }

    @Test func manyFirstRequestsShareOneFetch() async throws {
        let now = Date()
        let issuer = Issuer(lifetime: 3600, base: now)
        let provider = CredentialsProvider { try await issuer.fetch() }
        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 { group.addTask { try await provider.credentials(now: now).accessKeyID } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(keys == ["KEY1"] && provider.fetches == 1, "no thundering herd")
        #expect(try await provider.credentials(now: now.addingTimeInterval(60)).accessKeyID == "KEY1", "fresh ones are reused")
    }

    @Test func nearExpiryTheOldOnesServeWhileOneRefreshRuns() async throws {
        let now = Date()
        let issuer = Issuer(lifetime: 600, base: now)
        let provider = CredentialsProvider(refreshAhead: 300, mustRefresh: 60) { try await issuer.fetch() }
        _ = try await provider.credentials(now: now)
        // Four minutes left: inside the window, so no request waits, and one refresh starts.
        let later = now.addingTimeInterval(360)
        for _ in 0..<20 { #expect(try await provider.credentials(now: later).accessKeyID == "KEY1") }
        #expect(provider.fetches == 2, "one background refresh, however many requests")
        // The refresh lands when it lands; until then the old ones keep serving.
        try await eventually("the refresh to land") { provider.latest?.accessKeyID == "KEY2" }
        #expect(try await provider.credentials(now: later).accessKeyID == "KEY2")
        #expect(provider.fetches == 2)
    }

    @Test func expiredCredentialsAreNeverUsed() async throws {
        let now = Date()
        let issuer = Issuer(lifetime: 30, base: now)
        let provider = CredentialsProvider { try await issuer.fetch() }
        _ = try await provider.credentials(now: now)
        // Under a minute left: the request waits for new ones.
        #expect(try await provider.credentials(now: now.addingTimeInterval(10)).accessKeyID == "KEY2")
    }

    @Test func aFailedFetchIsReportedAndTriedAgain() async throws {
        let failures = Mutex(1)
        let provider = CredentialsProvider {
            if failures.withLock({ value in
                defer { value -= 1 }
                return value > 0
            }) {
                throw CredentialsError(description: "No AWS credentials: the agent is down")
            }
            return ExpiringCredentials(credentials: AWSCredentials(accessKeyID: "OK", secretAccessKey: "s"), expiration: nil)
        }
        await #expect(throws: CredentialsError.self) { try await provider.credentials() }
        #expect(try await provider.credentials().accessKeyID == "OK")
    }
}

/// What the container agent or IMDS may answer besides credentials.
@Suite(.timeLimit(.minutes(10))) struct CredentialAnswerTests {
    @Test func answersWithoutKeysAreRefusedNamingTheSource() throws {
        for body in ["not json", #"{"AccessKeyId":"A"}"#, #"{"Code":"Failure","AccessKeyId":"A","SecretAccessKey":"S"}"#, "[]", ""] {
            let error = try #require(throws: CredentialsError.self) { try CredentialSources.json(body, from: "the agent") }
            #expect(error.description.contains("the agent"))
        }
        let good = try CredentialSources.json(
            #"{"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"2026-12-02T10:00:00Z"}"#, from: "the agent")
        #expect(good.credentials == AWSCredentials(accessKeyID: "A", secretAccessKey: "S", sessionToken: "T") && good.expiration != nil)
    }
}
