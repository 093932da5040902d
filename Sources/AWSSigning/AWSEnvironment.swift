import Foundation

/// Credentials, region and endpoints, found the way the AWS SDKs find them:
/// 1. `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`;
/// 2. web identity: `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`, exchanged with STS
///    (EKS's IAM roles for service accounts);
/// 3. the profile `AWS_PROFILE` (else `default`) in `~/.aws/credentials` and `~/.aws/config`
///    (`AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE` move them): its keys, or its
///    `web_identity_token_file` and `role_arn`;
/// 4. container credentials: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `_FULL_URI`, with
///    `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or `_TOKEN` (ECS, EKS Pod Identity);
/// 5. the EC2 instance metadata service, IMDSv2 (`AWS_EC2_METADATA_SERVICE_ENDPOINT` moves it,
///    `AWS_EC2_METADATA_DISABLED=true` turns it off).
/// Fixed keys are read here; the others are fetched, and refreshed before they
/// expire, by `CredentialsProvider` when a request needs them.
/// The region is `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, else us-east-1.
/// Endpoints: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then the profile's
/// `endpoint_url`, else the service's public AWS endpoint.
public struct AWSEnvironment: Sendable {
    /// Where the credentials come from.
    public var credentialSource: CredentialSource
    /// Fixed credentials; setting them makes them the source. Empty for a source that is
    /// fetched.
    public var credentials: AWSCredentials {
        get {
            if case .fixed(let credentials) = credentialSource { return credentials }
            return AWSCredentials(accessKeyID: "", secretAccessKey: "")
        }
        set { credentialSource = .fixed(newValue) }
    }
    public var region: String
    /// Custom endpoints by service (`s3`, `sqs`, `sns`, `dynamodb`), and `""` for all of them.
    public var endpoints: [String: URL]
    /// S3 addressing: `path` puts the bucket in the path, `virtual` in the host name. `auto`
    /// (the default) uses virtual-hosted style on AWS and path style on a custom endpoint.
    public var s3AddressingStyle: String

    public init(credentials: AWSCredentials, region: String, endpoints: [String: URL] = [:], s3AddressingStyle: String = "auto") {
        self.init(source: .fixed(credentials), region: region, endpoints: endpoints, s3AddressingStyle: s3AddressingStyle)
    }

    public init(source: CredentialSource, region: String, endpoints: [String: URL] = [:], s3AddressingStyle: String = "auto") {
        self.credentialSource = source
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

        let region =
            [environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"], profileConfig["region"]].compactMap { $0 }.first { !$0.isEmpty }
            ?? "us-east-1"
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let credentials: CredentialSource
        if let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty {
            guard let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
                throw AWSConfigurationError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not.")
            }
            credentials = .fixed(AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN")))
        } else if let tokenFile = value("AWS_WEB_IDENTITY_TOKEN_FILE")
            ?? (profileCredentials["aws_access_key_id"] == nil && profileConfig["aws_access_key_id"] == nil
                ? profileConfig["web_identity_token_file"] : nil)
        {
            guard let role = value("AWS_ROLE_ARN") ?? profileConfig["role_arn"] else {
                throw AWSConfigurationError("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: name the role to assume.")
            }
            let session =
                value("AWS_ROLE_SESSION_NAME") ?? profileConfig["role_session_name"] ?? "darkroom-\(ProcessInfo.processInfo.processIdentifier)"
            credentials = .webIdentity(tokenFile: tokenFile, roleARN: role, sessionName: session)
        } else if let key = profileCredentials["aws_access_key_id"] ?? profileConfig["aws_access_key_id"],
            let secret = profileCredentials["aws_secret_access_key"] ?? profileConfig["aws_secret_access_key"]
        {
            credentials = .fixed(
                AWSCredentials(
                    accessKeyID: key, secretAccessKey: secret,
                    sessionToken: profileCredentials["aws_session_token"] ?? profileConfig["aws_session_token"]))
        } else if value("AWS_PROFILE") != nil {
            throw AWSConfigurationError(
                "The AWS profile '\(profileName)' has no aws_access_key_id and aws_secret_access_key in \(credentialsFile) or \(configFile).")
        } else if let relative = value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            guard let url = URL(string: "http://169.254.170.2\(relative.hasPrefix("/") ? "" : "/")\(relative)") else {
                throw AWSConfigurationError("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not a path: '\(relative)'.")
            }
            credentials = .container(
                url: url, authorizationToken: value("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
                authorizationTokenFile: value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"))
        } else if let full = value("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            credentials = .container(
                url: try containerURL(full), authorizationToken: value("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
                authorizationTokenFile: value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"))
        } else if value("AWS_EC2_METADATA_DISABLED")?.lowercased() != "true" {
            let endpoint = value("AWS_EC2_METADATA_SERVICE_ENDPOINT") ?? profileConfig["ec2_metadata_service_endpoint"] ?? "http://169.254.169.254"
            credentials = .instanceMetadata(endpoint: try endpointURL(endpoint, name: "AWS_EC2_METADATA_SERVICE_ENDPOINT"))
        } else {
            throw AWSConfigurationError(
                "No AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE with a profile in ~/.aws/credentials, "
                    + "AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN, or AWS_CONTAINER_CREDENTIALS_FULL_URI; the instance metadata service is "
                    + "turned off (AWS_EC2_METADATA_DISABLED).")
        }

        var endpoints: [String: URL] = [:]
        let general = environment["AWS_ENDPOINT_URL"] ?? profileConfig["endpoint_url"]
        if let general, !general.isEmpty { endpoints[""] = try endpointURL(general, name: "AWS_ENDPOINT_URL") }
        for service in ["s3", "sqs", "sns", "dynamodb", "sts"] {
            let name = "AWS_ENDPOINT_URL_\(service.uppercased())"
            if let value = environment[name], !value.isEmpty { endpoints[service] = try endpointURL(value, name: name) }
        }
        let style = (environment["AWS_S3_ADDRESSING_STYLE"] ?? profileConfig["s3_addressing_style"] ?? "auto").lowercased()
        guard ["auto", "path", "virtual"].contains(style) else {
            throw AWSConfigurationError("AWS_S3_ADDRESSING_STYLE must be auto, path or virtual, not '\(style)'.")
        }
        return AWSEnvironment(source: credentials, region: region, endpoints: endpoints, s3AddressingStyle: style)
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

    /// A full container credentials URI: HTTPS anywhere, plain HTTP only to the container
    /// agents' link-local addresses or to this machine, as the SDKs allow.
    static func containerURL(_ value: String) throws -> URL {
        let url = try endpointURL(value, name: "AWS_CONTAINER_CREDENTIALS_FULL_URI")
        let host = (url.host ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        let local = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost", "::1"].contains(host) || host.hasPrefix("127.")
        guard url.scheme == "https" || local else {
            throw AWSConfigurationError(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to 169.254.170.2, 169.254.170.23 or this machine, not '\(value)'.")
        }
        return url
    }

    static func endpointURL(_ value: String, name: String) throws -> URL {
        guard let url = URL(string: value), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw AWSConfigurationError("\(name) must be an http(s) URL such as http://127.0.0.1:5000, not '\(value)'.")
        }
        return url
    }
}

/// Where credentials come from: fixed keys, or a service that hands out temporary ones.
public enum CredentialSource: Sendable, Equatable, Hashable, CustomStringConvertible {
    case fixed(AWSCredentials)
    /// STS `AssumeRoleWithWebIdentity` with the token in `tokenFile` (read again each time: it
    /// rotates).
    case webIdentity(tokenFile: String, roleARN: String, sessionName: String)
    /// The ECS or EKS Pod Identity agent.
    case container(url: URL, authorizationToken: String?, authorizationTokenFile: String?)
    /// IMDSv2 at `endpoint`.
    case instanceMetadata(endpoint: URL)

    /// Says where, never what: no key or token is printed.
    public var description: String {
        switch self {
        case .fixed: "fixed keys"
        case .webIdentity(let file, let role, _): "web identity (\(role), token \(file))"
        case .container(let url, _, _): "container credentials at \(url.absoluteString)"
        case .instanceMetadata(let endpoint): "the EC2 instance metadata service at \(endpoint.absoluteString)"
        }
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
