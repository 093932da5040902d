import AWSSigning
import Foundation
import Testing

/// The official vectors in ../shared/corpus/sigv4: aws-c-auth's 38 cases, each in header and
/// query (presigned) form, and the 2015 AWS suite less its three known-wrong cases.
@Suite struct SigV4VectorTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/corpus/sigv4").standardized
    static var awsCAuth: URL { root.appendingPathComponent("aws-c-auth/v4") }
    static var classic: URL { root.appendingPathComponent("aws-sig-v4-test-suite/aws-sig-v4-test-suite") }
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    static var corpusPresent: Bool { FileManager.default.fileExists(atPath: awsCAuth.path) }

    static func caseNames(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    struct Context: Decodable {
        struct Credentials: Decodable {
            var accessKeyId: String
            var secretAccessKey: String
            var token: String?
        }
        var credentials: Credentials
        var expirationInSeconds: Int
        var normalize: Bool
        var region: String
        var service: String
        var signBody: Bool
        var omitSessionToken: Bool?
    }

    @Test(.enabled(if: corpusPresent, "../shared/corpus/sigv4 is not here, so the SigV4 vectors are skipped"))
    func everyAWSCAuthCaseInHeaderAndQueryForm() throws {
        let names = Self.caseNames(Self.awsCAuth)
        #expect(names.count == 38)
        for name in names {
            let folder = Self.awsCAuth.appendingPathComponent(name)
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let context = try decoder.decode(Context.self, from: Data(contentsOf: folder.appendingPathComponent("context.json")))
            let parsed = try RawRequest(text: String(contentsOf: folder.appendingPathComponent("request.txt"), encoding: .utf8))
            let token = context.omitSessionToken == true ? nil : context.credentials.token
            let signer = SigV4Signer(
                credentials: AWSCredentials(
                    accessKeyID: context.credentials.accessKeyId, secretAccessKey: context.credentials.secretAccessKey, sessionToken: token),
                region: context.region, service: context.service)
            let payload = SigV4Signer.Payload.of(parsed.body)

            var request = parsed.request
            let header = signer.sign(
                &request, payload: payload, date: Self.date, contentSHA256Header: context.signBody, normalizePath: context.normalize)
            #expect(header.canonicalRequest == (try Self.text(folder, "header-canonical-request.txt")), "\(name) header canonical request")
            #expect(header.stringToSign == (try Self.text(folder, "header-string-to-sign.txt")), "\(name) header string to sign")
            #expect(header.signature == (try Self.text(folder, "header-signature.txt")), "\(name) header signature")

            let query = signer.presign(
                parsed.request, expires: context.expirationInSeconds, payload: payload, date: Self.date, normalizePath: context.normalize)
            #expect(query.signature.canonicalRequest == (try Self.text(folder, "query-canonical-request.txt")), "\(name) query canonical request")
            #expect(query.signature.signature == (try Self.text(folder, "query-signature.txt")), "\(name) query signature")
            #expect(query.query.hasSuffix("X-Amz-Signature=\(query.signature.signature)"))
        }
    }

    /// The 2015 suite's three wrong cases (see the corpus README): aws-c-auth carries fixed ones.
    static let knownWrong: Set<String> = ["post-x-www-form-urlencoded", "post-x-www-form-urlencoded-parameters", "get-header-value-multiline"]

    @Test(.enabled(if: corpusPresent, "../shared/corpus/sigv4 is not here, so the SigV4 vectors are skipped"))
    func everyCorrectCaseOfThe2015Suite() throws {
        var checked = 0
        let enumerator = FileManager.default.enumerator(atPath: Self.classic.path)
        while let path = enumerator?.nextObject() as? String {
            guard path.hasSuffix(".req") else { continue }
            let file = Self.classic.appendingPathComponent(path)
            let name = file.deletingPathExtension().lastPathComponent
            guard !Self.knownWrong.contains(name) else { continue }
            let base = file.deletingPathExtension()
            var parsed = try RawRequest(text: String(contentsOf: file, encoding: .utf8))
            // header-before signs the token as one of the request's headers; header-after adds
            // it after signing, so it is simply not there when signing.
            if name == "post-sts-header-after" { parsed.request.headers.removeAll { $0.name.lowercased() == "x-amz-security-token" } }
            let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "service")
            var request = parsed.request
            let result = signer.sign(&request, payload: .of(parsed.body), date: Self.date)
            #expect(
                result.canonicalRequest == (try String(contentsOf: base.appendingPathExtension("creq"), encoding: .utf8)), "\(name) canonical request"
            )
            #expect(result.stringToSign == (try String(contentsOf: base.appendingPathExtension("sts"), encoding: .utf8)), "\(name) string to sign")
            #expect(request.header("Authorization") == (try String(contentsOf: base.appendingPathExtension("authz"), encoding: .utf8)), "\(name)")
            checked += 1
        }
        #expect(checked == 28)
    }

    static func text(_ folder: URL, _ name: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }
}

/// A request file of the suites: a request line, headers (a line starting with white space
/// continues the one before), a blank line and the body.
struct RawRequest {
    var request: SigV4Signer.Request
    var body: [UInt8]

    init(text: String) throws {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        let (head, body) =
            normalized.range(of: "\n\n").map { (String(normalized[..<$0.lowerBound]), String(normalized[$0.upperBound...])) } ?? (normalized, "")
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst()
        let method = String(requestLine.prefix { $0 != " " })
        let target = String(requestLine.dropFirst(method.count + 1).dropLast(" HTTP/1.1".count))
        let (path, query) = target.firstIndex(of: "?").map { (String(target[..<$0]), String(target[target.index(after: $0)...])) } ?? (target, "")
        var headers: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += " " + line.trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { throw CocoaError(.fileReadCorruptFile) }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
        }
        request = SigV4Signer.Request(method: method, path: path, query: query, headers: headers)
        self.body = Array(body.utf8)
    }
}
