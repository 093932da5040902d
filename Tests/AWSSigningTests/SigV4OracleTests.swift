import AWSSigning
import Foundation
import Testing

/// Random requests signed here and by botocore (the reference signer in
/// ../shared/corpus/sigv4/sigv4_oracle.py, run with the checkout's .venv Python), compared.
@Suite struct SigV4OracleTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static let python = packageRoot.appendingPathComponent(".venv/bin/python")
    static let oracle = SigV4VectorTests.root.appendingPathComponent("sigv4_oracle.py")
    static var available: Bool {
        FileManager.default.fileExists(atPath: python.path) && FileManager.default.fileExists(atPath: oracle.path)
    }

    struct Case: Codable {
        var method: String
        var url: String
        var headers: [[String]]
        var body: String
        var accessKey: String
        var secretKey: String
        var token: String?
        var region: String
        var service: String
        var timestamp: String
        var s3: Bool
        var presignExpires: Int?
        var payloadHash: String?
    }

    struct Answer: Codable {
        var canonicalRequest: String
        var signature: String
        var authorization: String?
        var url: String
    }

    @Test(.enabled(if: available, "the .venv Python (make venv) or ../shared/corpus/sigv4 is missing, so the botocore comparison is skipped"))
    func randomRequestsSignLikeBotocore() throws {
        var random = SeededRandom(seed: 20_261_121)
        var cases: [Case] = []
        var mine: [(canonical: String, signature: String, authorization: String?, query: String?)] = []
        for index in 0..<400 {
            let service = ["s3", "s3", "sqs", "sns", "dynamodb", "service"][random.next(6)]
            let s3 = service == "s3"
            let presign = index % 4 == 3
            let method = presign ? "GET" : ["GET", "PUT", "POST", "DELETE", "HEAD"][random.next(5)]
            let segments = (0..<(1 + random.next(4))).map { _ in random.word(allowDots: !s3) }
            let path = "/" + segments.map { SigV4Encoding.uriEncode($0) }.joined(separator: "/") + (random.next(3) == 0 ? "/" : "")
            let queryItems = (0..<random.next(4)).map { _ in (random.word(allowDots: false), random.next(4) == 0 ? "" : random.word(allowDots: false))
            }
            let query = SigV4Encoding.queryString(queryItems)
            var headers: [(String, String)] = [("Host", "127.0.0.1:5000")]
            for _ in 0..<random.next(4) {
                let name = ["Content-Type", "X-Amz-Meta-Note", "X-Custom", "Cache-Control", "x-amz-server-side-encryption"][random.next(5)]
                headers.append((name, "  " + random.word(allowDots: false) + "   " + random.word(allowDots: false) + " "))
            }
            let body = presign ? "" : String((0..<random.next(200)).map { _ in Self.bodyAlphabet[random.next(Self.bodyAlphabet.count)] })
            let token: String? = random.next(3) == 0 ? "token/\(random.word(allowDots: false))+=" : nil
            let unsigned = s3 && !presign && random.next(3) == 0
            let credentials = AWSCredentials(
                accessKeyID: "AKID\(index)", secretAccessKey: "secret/\(random.word(allowDots: false))+key", sessionToken: token)
            let signer = SigV4Signer(credentials: credentials, region: ["us-east-1", "eu-west-3"][random.next(2)], service: service)
            let date = Date(timeIntervalSince1970: 1_700_000_000 + Double(random.next(100_000_000)))
            var request = SigV4Signer.Request(method: method, path: path, query: query, headers: headers)
            let bodyBytes = Array(body.utf8)
            if presign {
                let result = signer.presign(request, expires: 900, date: date)
                mine.append((result.signature.canonicalRequest, result.signature.signature, nil, result.query))
            } else {
                let result = signer.sign(&request, payload: unsigned ? .unsigned : .of(bodyBytes), date: date)
                mine.append((result.canonicalRequest, result.signature, request.header("Authorization"), nil))
            }
            cases.append(
                Case(
                    method: method, url: "http://127.0.0.1:5000\(path)\(query.isEmpty ? "" : "?" + query)",
                    headers: headers.dropFirst().map { [$0.0, $0.1] }, body: body, accessKey: credentials.accessKeyID,
                    secretKey: credentials.secretAccessKey, token: token, region: signer.region, service: service,
                    timestamp: Self.stamp(date), s3: s3, presignExpires: presign ? 900 : nil, payloadHash: unsigned ? "UNSIGNED-PAYLOAD" : nil))
        }
        let answers = try Self.askBotocore(cases)
        #expect(answers.count == cases.count)
        var mismatches = 0
        for (index, (answer, ours)) in zip(answers, mine).enumerated()
        where answer.signature != ours.signature || answer.canonicalRequest != ours.canonical {
            mismatches += 1
            if mismatches <= 3 {
                Issue.record(
                    "case \(index) \(cases[index].service) \(cases[index].method) \(cases[index].url)\nbotocore:\n\(answer.canonicalRequest)\nours:\n\(ours.canonical)"
                )
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(cases.count) signatures differ from botocore's")
        for (answer, ours) in zip(answers, mine) {
            if let authorization = ours.authorization { #expect(answer.authorization == authorization) }
            if let query = ours.query { #expect(answer.url.hasSuffix("X-Amz-Signature=\(ours.signature)"), "\(query)") }
        }
    }

    static let bodyAlphabet = Array("abcdefghij {}\":,é\n")

    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    /// Runs the oracle once over every case: JSON in, JSON out, through files.
    static func askBotocore(_ cases: [Case]) throws -> [Answer] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sigv4-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("cases.json")
        let output = folder.appendingPathComponent("answers.json")
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try encoder.encode(cases).write(to: input)
        let script = """
            import json, sys
            sys.path.insert(0, sys.argv[1])
            from sigv4_oracle import sign
            out = []
            for c in json.load(open(sys.argv[2])):
                kw = {k: c[k] for k in ("access_key", "secret_key", "region", "service", "timestamp", "s3")}
                for k in ("token", "presign_expires", "payload_hash"):
                    if c.get(k) is not None: kw[k] = c[k]
                r = sign(c["method"], c["url"], [tuple(h) for h in c["headers"]], c["body"], **kw)
                out.append({"canonical_request": r["canonical_request"], "signature": r["signature"], "authorization": r["authorization"], "url": r["url"]})
            json.dump(out, open(sys.argv[3], "w"))
            """
        let process = Process()
        process.executableURL = python
        process.arguments = ["-c", script, oracle.deletingLastPathComponent().path, input.path, output.path]
        let errors = folder.appendingPathComponent("stderr.txt")
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        while process.isRunning { Thread.sleep(forTimeInterval: 0.05) }
        guard process.terminationStatus == 0 else {
            throw OracleError(message: "the oracle failed: \((try? String(contentsOf: errors, encoding: .utf8)) ?? "")")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode([Answer].self, from: Data(contentsOf: output))
    }

    struct OracleError: Error {
        var message: String
    }
}

/// A small deterministic generator, so a failing case can be reproduced.
struct SeededRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }

    /// A word with the characters that break signers: spaces, unicode, reserved punctuation.
    mutating func word(allowDots: Bool) -> String {
        let alphabet = Array("abcXYZ019-_.~ +%&=:@!$'()*,;/é漢😀")
        var word = String((0..<(1 + next(8))).map { _ in alphabet[next(alphabet.count)] }).replacingOccurrences(of: "/", with: "")
        if word.isEmpty { word = "a" }
        if allowDots && next(10) == 0 { return [".", ".."][next(2)] }
        return word
    }
}
