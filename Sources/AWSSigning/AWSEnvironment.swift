import Foundation

/// Credentials, region and endpoints, found the way the AWS SDKs find them:
/// 1. `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`;
/// 2. the profile `AWS_PROFILE` (else `default`) in `~/.aws/credentials` and `~/.aws/config`
///    (`AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE` move them).
/// The region is `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, else us-east-1.
/// Endpoints: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then the profile's
/// `endpoint_url`, else the service's public AWS endpoint.
public struct AWSEnvironment: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    /// Custom endpoints by service (`s3`, `sqs`, `sns`, `dynamodb`), and `""` for all of them.
    public var endpoints: [String: URL]
    /// S3 addressing: `path` puts the bucket in the path, `virtual` in the host name. `auto`
    /// (the default) uses virtual-hosted style on AWS and path style on a custom endpoint.
    public var s3AddressingStyle: String

    public init(credentials: AWSCredentials, region: String, endpoints: [String: URL] = [:], s3AddressingStyle: String = "auto") {
        self.credentials = credentials
        self.region = region
        self.endpoints = endpoints
        self.s3AddressingStyle = s3AddressingStyle
    }

    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment, home: String = NSHomeDirectory()
    ) throws -> AWSEnvironment {
        let profileName = environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let credentialsFile = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials"
        let configFile = environment["AWS_CONFIG_FILE"] ?? "\(home)/.aws/config"
        let credentialSections = try INIFile.sections(atPath: credentialsFile)
        let configSections = try INIFile.sections(atPath: configFile)
        let profileCredentials = credentialSections[profileName] ?? [:]
        let profileConfig = configSections[profileName == "default" ? "default" : "profile \(profileName)"] ?? configSections[profileName] ?? [:]

        let credentials: AWSCredentials
        if let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty {
            guard let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
                throw AWSConfigurationError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not.")
            }
            credentials = AWSCredentials(
                accessKeyID: key, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 })
        } else if let key = profileCredentials["aws_access_key_id"] ?? profileConfig["aws_access_key_id"],
            let secret = profileCredentials["aws_secret_access_key"] ?? profileConfig["aws_secret_access_key"]
        {
            credentials = AWSCredentials(
                accessKeyID: key, secretAccessKey: secret, sessionToken: profileCredentials["aws_session_token"] ?? profileConfig["aws_session_token"]
            )
        } else if environment["AWS_PROFILE"] != nil {
            throw AWSConfigurationError(
                "The AWS profile '\(profileName)' has no aws_access_key_id and aws_secret_access_key in \(credentialsFile) or \(configFile).")
        } else {
            throw AWSConfigurationError(
                "No AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with a profile in ~/.aws/credentials.")
        }

        let region =
            [environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"], profileConfig["region"]].compactMap { $0 }.first { !$0.isEmpty }
            ?? "us-east-1"

        var endpoints: [String: URL] = [:]
        let general = environment["AWS_ENDPOINT_URL"] ?? profileConfig["endpoint_url"]
        if let general, !general.isEmpty { endpoints[""] = try endpointURL(general, name: "AWS_ENDPOINT_URL") }
        for service in ["s3", "sqs", "sns", "dynamodb"] {
            let name = "AWS_ENDPOINT_URL_\(service.uppercased())"
            if let value = environment[name], !value.isEmpty { endpoints[service] = try endpointURL(value, name: name) }
        }
        let style = (environment["AWS_S3_ADDRESSING_STYLE"] ?? profileConfig["s3_addressing_style"] ?? "auto").lowercased()
        guard ["auto", "path", "virtual"].contains(style) else {
            throw AWSConfigurationError("AWS_S3_ADDRESSING_STYLE must be auto, path or virtual, not '\(style)'.")
        }
        return AWSEnvironment(credentials: credentials, region: region, endpoints: endpoints, s3AddressingStyle: style)
    }

    /// The base URL for a service: a custom endpoint, or AWS's own.
    public func endpoint(for service: String) -> URL {
        if let url = endpoints[service] ?? endpoints[""] { return url }
        return URL(string: "https://\(service).\(region).amazonaws.com")!
    }

    /// True when S3 requests put the bucket in the path.
    public var s3UsesPathStyle: Bool {
        switch s3AddressingStyle {
        case "path": return true
        case "virtual": return false
        default: return endpoints["s3"] != nil || endpoints[""] != nil
        }
    }

    static func endpointURL(_ value: String, name: String) throws -> URL {
        guard let url = URL(string: value), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw AWSConfigurationError("\(name) must be an http(s) URL such as http://127.0.0.1:5000, not '\(value)'.")
        }
        return url
    }
}

/// A configuration mistake, with a message a person can act on.
public struct AWSConfigurationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The INI files of the AWS CLI: `[section]` headers and `key = value` lines.
enum INIFile {
    static func sections(atPath path: String) throws -> [String: [String: String]] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw AWSConfigurationError("\(path) could not be read as UTF-8 text.")
        }
        return parse(text)
    }

    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[section, default: [:]][key] = value
        }
        return sections
    }
}
