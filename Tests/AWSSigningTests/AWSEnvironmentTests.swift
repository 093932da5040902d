import AWSSigning
import Foundation
import Testing

@Suite struct AWSEnvironmentTests {
    func home(credentials: String = "", config: String = "") throws -> String {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("aws-home-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
        try credentials.write(toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
        try config.write(toFile: home + "/.aws/config", atomically: true, encoding: .utf8)
        return home
    }

    static let files = (
        credentials:
            "[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = defaultsecret\n\n[work]\naws_access_key_id=WORKKEY\naws_secret_access_key=worksecret\naws_session_token = worktoken\n",
        config: "[default]\nregion = eu-west-1\n\n[profile work]\nregion = ap-south-1\nendpoint_url = http://127.0.0.1:9000\n"
    )

    @Test func environmentVariablesComeFirst() throws {
        let home = try home(credentials: Self.files.credentials, config: Self.files.config)
        let environment = try AWSEnvironment.load(
            environment: [
                "AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_SESSION_TOKEN": "envtoken", "AWS_PROFILE": "work",
            ],
            home: home)
        #expect(environment.credentials == AWSCredentials(accessKeyID: "ENVKEY", secretAccessKey: "envsecret", sessionToken: "envtoken"))
        #expect(environment.region == "ap-south-1", "the profile still supplies the region")
    }

    @Test func theNamedProfileThenTheDefaultOne() throws {
        let home = try home(credentials: Self.files.credentials, config: Self.files.config)
        let work = try AWSEnvironment.load(environment: ["AWS_PROFILE": "work"], home: home)
        #expect(work.credentials == AWSCredentials(accessKeyID: "WORKKEY", secretAccessKey: "worksecret", sessionToken: "worktoken"))
        #expect(work.endpoint(for: "s3").absoluteString == "http://127.0.0.1:9000")
        #expect(work.s3UsesPathStyle, "a custom endpoint means path-style addressing")
        let plain = try AWSEnvironment.load(environment: [:], home: home)
        #expect(plain.credentials.accessKeyID == "DEFAULTKEY")
        #expect(plain.region == "eu-west-1")
        #expect(plain.endpoint(for: "sqs").absoluteString == "https://sqs.eu-west-1.amazonaws.com")
        #expect(!plain.s3UsesPathStyle, "AWS itself gets virtual-hosted addressing")
        let region = try AWSEnvironment.load(environment: ["AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "ca-central-1"], home: home)
        #expect(region.region == "us-west-2")
    }

    @Test func perServiceEndpointsWinOverTheGeneralOne() throws {
        let home = try home()
        let environment = try AWSEnvironment.load(
            environment: [
                "AWS_ACCESS_KEY_ID": "K", "AWS_SECRET_ACCESS_KEY": "S", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
                "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000", "AWS_S3_ADDRESSING_STYLE": "virtual",
            ], home: home)
        #expect(environment.endpoint(for: "s3").absoluteString == "http://127.0.0.1:9000")
        #expect(environment.endpoint(for: "dynamodb").absoluteString == "http://127.0.0.1:5000")
        #expect(!environment.s3UsesPathStyle)
    }

    /// The SDKs' order: keys in the environment, a web identity token, the profile, container
    /// credentials, then the instance metadata service.
    @Test func temporaryCredentialSourcesInTheSDKsOrder() throws {
        let home = try home(credentials: Self.files.credentials, config: Self.files.config)
        let web = ["AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token", "AWS_ROLE_ARN": "arn:aws:iam::1:role/r", "AWS_ROLE_SESSION_NAME": "s"]
        #expect(
            try AWSEnvironment.load(environment: web, home: home).credentialSource
                == .webIdentity(tokenFile: "/var/run/token", roleARN: "arn:aws:iam::1:role/r", sessionName: "s"))
        let keys = ["AWS_ACCESS_KEY_ID": "K", "AWS_SECRET_ACCESS_KEY": "S"]
        #expect(try AWSEnvironment.load(environment: web.merging(keys) { $1 }, home: home).credentials.accessKeyID == "K")
        let empty = try self.home()
        let container = ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok"]
        #expect(
            try AWSEnvironment.load(environment: container, home: empty).credentialSource
                == .container(url: URL(string: "http://169.254.170.2/v2/credentials/abc")!, authorizationToken: "tok", authorizationTokenFile: nil))
        let pod = ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/v1/credentials", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/f"]
        #expect(
            try AWSEnvironment.load(environment: pod, home: empty).credentialSource
                == .container(url: URL(string: "http://169.254.170.23/v1/credentials")!, authorizationToken: nil, authorizationTokenFile: "/f"))
        #expect(
            try AWSEnvironment.load(environment: [:], home: empty).credentialSource
                == .instanceMetadata(endpoint: URL(string: "http://169.254.169.254")!))
        #expect(
            try AWSEnvironment.load(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9"], home: empty).credentialSource
                == .instanceMetadata(endpoint: URL(string: "http://127.0.0.1:9")!))
        #expect(
            !String(describing: try AWSEnvironment.load(environment: container, home: empty).credentialSource).contains("tok"), "no token printed")
    }

    @Test func mistakesSayWhatToDo() throws {
        let home = try home()
        #expect(throws: AWSConfigurationError.self) { try AWSEnvironment.load(environment: ["AWS_EC2_METADATA_DISABLED": "true"], home: home) }
        #expect(throws: AWSConfigurationError.self) { try AWSEnvironment.load(environment: ["AWS_WEB_IDENTITY_TOKEN_FILE": "/t"], home: home) }
        #expect(throws: AWSConfigurationError.self) {
            try AWSEnvironment.load(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://203.0.113.5/creds"], home: home)
        }
        #expect(throws: AWSConfigurationError.self) { try AWSEnvironment.load(environment: ["AWS_ACCESS_KEY_ID": "K"], home: home) }
        #expect(throws: AWSConfigurationError.self) { try AWSEnvironment.load(environment: ["AWS_PROFILE": "nope"], home: home) }
        do {
            _ = try AWSEnvironment.load(
                environment: ["AWS_ACCESS_KEY_ID": "K", "AWS_SECRET_ACCESS_KEY": "S", "AWS_ENDPOINT_URL_SQS": "localhost:5000"], home: home)
            Issue.record("a URL without a scheme was accepted")
        } catch let error as AWSConfigurationError {
            #expect(error.description.contains("AWS_ENDPOINT_URL_SQS"))
        }
    }
}
