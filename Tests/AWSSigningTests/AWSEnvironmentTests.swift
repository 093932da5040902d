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

    @Test func mistakesSayWhatToDo() throws {
        let home = try home()
        #expect(throws: AWSConfigurationError.self) { try AWSEnvironment.load(environment: [:], home: home) }
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
