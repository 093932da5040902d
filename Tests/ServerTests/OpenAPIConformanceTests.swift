import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import URLDialects
import Yams

@testable import Composition
@testable import Server

/// Checks JSON values against the OpenAPI document's schemas: types, required properties, enums,
/// patterns, nullable, `$ref`, `oneOf`, arrays, and no properties beyond those declared.
struct SchemaChecker {
    let document: [String: Any]

    func errors(_ value: Any?, against schema: [String: Any], at path: String = "$") -> [String] {
        if let ref = schema["$ref"] as? String {
            let name = ref.replacingOccurrences(of: "#/components/schemas/", with: "")
            guard let target = ((document["components"] as? [String: Any])?["schemas"] as? [String: Any])?[name] as? [String: Any] else {
                return ["\(path): unknown $ref \(ref)"]
            }
            return errors(value, against: target, at: path)
        }
        if let choices = schema["oneOf"] as? [[String: Any]] {
            return choices.contains { errors(value, against: $0, at: path).isEmpty } ? [] : ["\(path): matches none of oneOf"]
        }
        guard let value, !(value is NSNull) else {
            return schema["nullable"] as? Bool == true ? [] : ["\(path): null is not allowed"]
        }
        switch schema["type"] as? String {
        case "object":
            guard let object = value as? [String: Any] else { return ["\(path): expected an object"] }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            var found = ((schema["required"] as? [String]) ?? []).filter { object[$0] == nil }.map { "\(path).\($0): required but missing" }
            for (key, child) in object {
                guard let childSchema = properties[key] as? [String: Any] else {
                    if schema["additionalProperties"] as? Bool == false { found.append("\(path).\(key): not in the schema") }
                    continue
                }
                found += errors(child, against: childSchema, at: "\(path).\(key)")
            }
            return found
        case "array":
            guard let array = value as? [Any] else { return ["\(path): expected an array"] }
            let items = schema["items"] as? [String: Any] ?? [:]
            return array.enumerated().flatMap { errors($0.element, against: items, at: "\(path)[\($0.offset)]") }
        case "string":
            guard let string = value as? String else { return ["\(path): expected a string"] }
            if let options = schema["enum"] as? [String], !options.contains(string) { return ["\(path): '\(string)' not in \(options)"] }
            if let pattern = schema["pattern"] as? String, string.range(of: pattern, options: .regularExpression) == nil {
                return ["\(path): '\(string)' does not match \(pattern)"]
            }
            return []
        case "integer":
            // JSON numbers and booleans both arrive as NSNumber; a boolean's type code is 'c'.
            guard let number = value as? NSNumber, number.objCType.pointee != CChar(UInt8(ascii: "c")),
                Double(number.intValue) == number.doubleValue
            else { return ["\(path): expected an integer"] }
            return []
        default:
            return []
        }
    }
}

@Suite(.timeLimit(.minutes(10))) struct OpenAPIConformanceTests {
    /// Every request the test makes: the documented path template, method, and the answer.
    struct Exchange {
        var template: String
        var method: String
        var response: TestResponse
    }

    @Test func theServedDocumentDescribesEveryLiveAnswer() async throws {
        let photo = try ServerFixture.photo(width: 300, height: 200)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-root-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Data(photo).write(to: root.appendingPathComponent("a.jpg"))
        let fixture = try await ServerFixture {
            $0.maxQueueDepth = 3
            $0.transform.root = root.path
            $0.transform.imgproxyKeys = "736563726574"
            $0.transform.imgproxySalts = "68656c6c6f"
            $0.transform.thumborSecurityKey = "MY_SECURE_KEY"
        }
        let imgproxy = try ImgproxySigner(keys: "736563726574", salts: "68656c6c6f")
        let thumbor = ThumborSigner(securityKey: "MY_SECURE_KEY")
        try await fixture.test { client in
            let served = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(served.status == .ok)
            let document = try #require(try Yams.load(yaml: String(buffer: served.body)) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: Any])
            let checker = SchemaChecker(document: document)
            var exchanges: [Exchange] = []
            func call(_ template: String, _ uri: String, _ method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil)
                async throws -> TestResponse
            {
                let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
                exchanges.append(Exchange(template: template, method: method.rawValue.lowercased(), response: response))
                return response
            }
            let jpeg: HTTPFields = [.contentType: "image/jpeg"]
            let one = try await call("/api/images", "/api/images", .post, headers: jpeg, body: ByteBuffer(bytes: photo))
            let id = try #require(try ServerFixture.json(one)["id"] as? String)
            _ = try await call(
                "/api/images", "/api/images?recipe=grayscale", .post, headers: [.contentType: "multipart/form-data; boundary=DarkroomBoundary42"],
                body: ServerFixture.multipart([("a.jpg", photo), ("b.jpg", photo)]))
            _ = try await call("/api/images", "/api/images", .post, headers: jpeg, body: ByteBuffer(bytes: photo))  // queue full: 503
            _ = try await call("/api/images", "/api/images", .post, headers: jpeg, body: ByteBuffer(string: "not an image"))
            _ = try await call("/api/images", "/api/images", .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{"))
            _ = try await call("/api/images", "/api/images?recipe=nope", .post, headers: jpeg, body: ByteBuffer(bytes: photo))
            try await fixture.drain()
            _ = try await call("/api/images", "/api/images?limit=2", .get)
            _ = try await call("/api/images", "/api/images?limit=0", .get)
            _ = try await call("/api/images/{id}", "/api/images/\(id)", .get)
            _ = try await call("/api/images/{id}", "/api/images/01m7yj88gxxmxx1r4dtw6w3eg0", .get)
            let original = try await call("/api/images/{id}/original", "/api/images/\(id)/original", .get)
            _ = try await call(
                "/api/images/{id}/original", "/api/images/\(id)/original", .get, headers: [.ifNoneMatch: original.headers[.eTag] ?? ""])
            _ = try await call("/api/images/{id}/variants/{name}", "/api/images/\(id)/variants/large", .get)
            _ = try await call("/api/images/{id}/variants/{name}", "/api/images/\(id)/variants/none", .get)
            let regions: HTTPFields = [.contentType: "application/json"]
            _ = try await call(
                "/api/images/{id}/regions", "/api/images/\(id)/regions", .put, headers: regions,
                body: ByteBuffer(string: #"{"regions": [{"x": 0.1, "y": 0.2, "width": 0.3, "height": 0.25}], "reprocess": false}"#))
            _ = try await call(
                "/api/images/{id}/regions", "/api/images/\(id)/regions", .put, headers: regions,
                body: ByteBuffer(string: #"{"regions": [{"x": 0.9, "y": 0.2, "width": 0.3, "height": 0.25}]}"#))
            _ = try await call(
                "/api/images/{id}/regions", "/api/images/01m7yj88gxxmxx1r4dtw6w3eg0/regions", .put, headers: regions,
                body: ByteBuffer(string: #"{"regions": []}"#))
            _ = try await call("/api/images/{id}/reprocess", "/api/images/\(id)/reprocess?recipe=pixelate", .post)
            _ = try await call("/api/images/{id}/reprocess", "/api/images/\(id)/reprocess?recipe=nope", .post)
            _ = try await call("/api/recipes", "/api/recipes", .get)
            _ = try await call("/healthz", "/healthz", .get)
            _ = try await call("/readyz", "/readyz", .get)
            _ = try await call("/metrics", "/metrics", .get)
            _ = try await call("/", "/", .get)
            let script = try await call("/ui/{file}", "/ui/app.js", .get)
            _ = try await call("/ui/{file}", "/ui/app.js", .get, headers: [.ifNoneMatch: script.headers[.eTag] ?? ""])
            _ = try await call("/ui/{file}", "/ui/..%2Fopenapi.yaml", .get)
            let i = "/imgproxy/{signature}/{options}"
            let fit = "/rs:fit:100:100/plain/a.jpg"
            let rendered = try await call(i, "/imgproxy/\(imgproxy.sign(fit))\(fit)", .get)
            _ = try await call(i, "/imgproxy/\(imgproxy.sign(fit))\(fit)", .get, headers: [.ifNoneMatch: rendered.headers[.eTag] ?? ""])
            _ = try await call(i, "/imgproxy/\(imgproxy.sign(fit))\(fit)", .head)
            _ = try await call(i, "/imgproxy/AAAA\(fit)", .get)
            _ = try await call(i, "/imgproxy/\(imgproxy.sign("/zoom:2/plain/a.jpg"))/zoom:2/plain/a.jpg", .get)
            _ = try await call(i, "/imgproxy/\(imgproxy.sign("/w:10/plain/nope.jpg"))/w:10/plain/nope.jpg", .get)
            _ = try await call(i, "/imgproxy/\(imgproxy.sign("/w:10/plain/s3://b/a.jpg"))/w:10/plain/s3://b/a.jpg", .get)
            let info = "/imgproxy/info/{signature}/{options}"
            let asked = "/avg:1/bh:4:3/th:1/pn:1/cs:1/chs:sha256/plain/a.jpg"
            let described = try await call(info, "/imgproxy/info/\(imgproxy.sign(asked))\(asked)", .get)
            #expect(described.status == .ok)
            _ = try await call(info, "/imgproxy/info/\(imgproxy.sign(asked))\(asked)", .get, headers: [.ifNoneMatch: described.headers[.eTag] ?? ""])
            _ = try await call(info, "/imgproxy/info/AAAA\(asked)", .get)
            _ = try await call(info, "/imgproxy/info/\(imgproxy.sign("/bh:10:3/plain/a.jpg"))/bh:10:3/plain/a.jpg", .get)
            let m = "/thumbor/{signature}/meta/{path}"
            let meta = try await call(m, "/thumbor/\(thumbor.sign("meta/30x20/a.jpg"))/meta/30x20/a.jpg", .get)
            #expect(meta.status == .ok)
            _ = try await call(
                m, "/thumbor/\(thumbor.sign("meta/30x20/a.jpg"))/meta/30x20/a.jpg", .get, headers: [.ifNoneMatch: meta.headers[.eTag] ?? ""])
            _ = try await call(m, "/thumbor/\(thumbor.sign("meta/30x20/a.jpg"))/meta/30x20/a.jpg?callback=show", .get)
            _ = try await call(m, "/thumbor/\(thumbor.sign("meta/30x20/b.jpg"))/meta/30x20/b.jpg", .get)
            let t = "/thumbor/{signature}/{path}"
            _ = try await call(t, "/thumbor/\(thumbor.sign("fit-in/50x50/a.jpg"))/fit-in/50x50/a.jpg", .get)
            _ = try await call(t, "/thumbor/\(thumbor.sign("fit-in/50x50/a.jpg"))/fit-in/50x50/a.jpg", .head)
            _ = try await call(t, "/thumbor/unsafe/fit-in/50x50/a.jpg", .get)
            _ = try await call(t, "/thumbor/\(thumbor.sign("50x50/b.jpg"))/50x50/b.jpg", .get)
            let r = "/transform/{recipe}/{variant}/{source}"
            _ = try await call(r, "/transform/default/thumbnail/a.jpg", .get)
            _ = try await call(r, "/transform/default/thumbnail/a.jpg", .head)
            _ = try await call(r, "/transform/default/nope/a.jpg", .get)
            let sign = "/api/transform/sign"
            _ = try await call(sign, "/api/transform/sign?dialect=imgproxy&path=/w:10/plain/a.jpg", .get)
            _ = try await call(sign, "/api/transform/sign?dialect=thumbor&path=10x10/a.jpg", .get)
            _ = try await call(sign, "/api/transform/sign?dialect=imgproxy&path=/zoom:1/plain/a.jpg", .get)
            _ = try await call(sign, "/api/transform/sign?dialect=other&path=x", .get)
            _ = try await call("/api/images/{id}", "/api/images/\(id)", .head)
            _ = try await call("/api/images/{id}/original", "/api/images/\(id)/original", .head)
            _ = try await call("/api/images/{id}/variants/{name}", "/api/images/\(id)/variants/large", .head)
            _ = try await call("/api/images/{id}", "/api/images/\(id)", .delete)
            _ = try await call("/api/images/{id}", "/api/images/\(id)", .delete)

            for exchange in exchanges {
                let label = "\(exchange.method.uppercased()) \(exchange.template) → \(exchange.response.status.code)"
                let operation = (paths[exchange.template] as? [String: Any])?[exchange.method] as? [String: Any]
                let responses = try #require(operation?["responses"] as? [String: Any], "\(label): not documented")
                let documented = try #require(responses[String(exchange.response.status.code)] as? [String: Any], "\(label): status not documented")
                // HEAD carries a GET's headers and no body: there is nothing to check against a schema.
                if exchange.method == "head" {
                    #expect(exchange.response.body.readableBytes == 0, "\(label): HEAD has no body")
                    continue
                }
                guard exchange.response.headers[.contentType]?.hasPrefix("application/json") == true else { continue }
                let resolved =
                    documented["$ref"] != nil
                    ? ((document["components"] as? [String: Any])?["responses"] as? [String: Any])?["Error"] as? [String: Any] : documented
                let schema = try #require(
                    ((resolved?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any],
                    "\(label): no JSON schema")
                let body = try JSONSerialization.jsonObject(with: Data(buffer: exchange.response.body))
                let problems = checker.errors(body, against: schema)
                #expect(problems.isEmpty, "\(label): \(problems)")
            }
            // Every documented operation was exercised, except the endless event stream.
            let exercised = Set(exchanges.map { "\($0.method) \($0.template)" })
            for (path, value) in paths {
                for method in ((value as? [String: Any]) ?? [:]).keys where method != "parameters" {
                    if path == "/api/events" || path == "/openapi.yaml" { continue }
                    #expect(exercised.contains("\(method) \(path)"), "\(method.uppercased()) \(path) is documented but untested")
                }
            }
        }
    }
}
