import Foundation
import NIOSSL
import Pipeline
import PostgresNIO

/// Where and how to reach PostgreSQL, from `postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=MODE`
/// (or `postgresql://`). The standard `PG*` variables fill what the URL leaves out (`PGHOST`,
/// `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE`, `PGSSLROOTCERT`), then libpq's
/// defaults: localhost, 5432, the user `postgres`, a database named as the user, `prefer`.
public struct PostgresSettings: Sendable, Equatable {
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// CA certificates (PEM) to verify the server with; the system's when nil.
    public var sslRootCert: String?

    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"), let url = URLComponents(string: text) else {
            throw PostgresSettingsError("'\(Self.redacted(text))' is not a PostgreSQL URL: write postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        let query = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        host = url.host.flatMap { $0.isEmpty ? nil : $0 } ?? query["host"] ?? environment["PGHOST"] ?? "localhost"
        if let port = url.port {
            self.port = port
        } else if let text = query["port"] ?? environment["PGPORT"] {
            guard let port = Int(text), (1...65535).contains(port) else {
                throw PostgresSettingsError("the PostgreSQL port '\(text)' is not a port number")
            }
            self.port = port
        } else {
            port = 5432
        }
        user = url.user.flatMap { $0.removingPercentEncoding } ?? query["user"] ?? environment["PGUSER"] ?? "postgres"
        password = url.password.flatMap { $0.removingPercentEncoding } ?? query["password"] ?? environment["PGPASSWORD"]
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        database = path.isEmpty ? (query["dbname"] ?? environment["PGDATABASE"] ?? user) : (path.removingPercentEncoding ?? path)
        let mode = query["sslmode"] ?? environment["PGSSLMODE"] ?? "prefer"
        guard let sslMode = SSLMode(rawValue: mode) else {
            throw PostgresSettingsError("sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", ")), not '\(mode)'")
        }
        self.sslMode = sslMode
        sslRootCert = query["sslrootcert"] ?? environment["PGSSLROOTCERT"]
        let known: Set<String> = ["sslmode", "sslrootcert", "host", "port", "user", "password", "dbname", "application_name", "connect_timeout"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw PostgresSettingsError(
                "the PostgreSQL URL parameter '\(unknown)' is not supported; known: \(known.sorted().joined(separator: ", "))")
        }
    }

    /// The URL with its password hidden, for logs and messages.
    public var description: String {
        "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
    }

    /// `text` with any password in it hidden.
    public static func redacted(_ text: String) -> String { Secrets.redacted(text) }

    /// TLS as libpq's `sslmode` means it: `require` encrypts without checking the certificate,
    /// `verify-ca` checks it against the CA, `verify-full` checks the host name too.
    func tlsConfiguration() throws -> NIOSSL.TLSConfiguration? {
        guard sslMode != .disable else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable: return nil
        case .allow, .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let sslRootCert { tls.trustRoots = .file(sslRootCert) }
        return tls
    }

    /// The pool's configuration.
    func clientConfiguration() throws -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch (sslMode, try tlsConfiguration()) {
            case (_, nil): .disable
            case (.allow, let config?), (.prefer, let config?): .prefer(config)
            case (_, let config?): .require(config)
            }
        var configuration = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.minimumConnections = 0
        configuration.options.maximumConnections = 16
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// A single connection's configuration, for LISTEN.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch (sslMode, try tlsConfiguration()) {
            case (_, nil): .disable
            case (.allow, let config?), (.prefer, let config?): .prefer(try NIOSSLContext(configuration: config))
            case (_, let config?): .require(try NIOSSLContext(configuration: config))
            }
        return PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }
}

/// A PostgreSQL URL or setting that cannot work.
public struct PostgresSettingsError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
