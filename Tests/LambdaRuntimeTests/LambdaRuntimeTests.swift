import Foundation
import Testing

@testable import LambdaRuntime

@Suite(.timeLimit(.minutes(10))) struct RuntimeAddressTests {
    @Test func addressesWithAPathOrAScheme() throws {
        #expect(try RuntimeAPIClient(address: "127.0.0.1:9001").base == "http://127.0.0.1:9001/2018-06-01")
        #expect(try RuntimeAPIClient(address: "127.0.0.1:9001/.rt").base == "http://127.0.0.1:9001/.rt/2018-06-01")
        #expect(try RuntimeAPIClient(address: "http://127.0.0.1:9001/.rt/").base == "http://127.0.0.1:9001/.rt/2018-06-01")
        for bad in ["", "ftp://x:1", "   "] {
            #expect(throws: RuntimeAPIError.self) { try RuntimeAPIClient(address: bad) }
        }
    }

    @Test func theDeadlineIsEpochMillisecondsOrADurationFromAnEmulator() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(LambdaInvocation.deadline(fromHeader: "1800000005000", now: now) == now.addingTimeInterval(5))
        // cargo-lambda's fixed 600000 is ten minutes from now, not a moment in 1970.
        #expect(LambdaInvocation.deadline(fromHeader: "600000", now: now) == now.addingTimeInterval(600))
        #expect(LambdaInvocation.deadline(fromHeader: nil, now: now) == now.addingTimeInterval(900))
        #expect(LambdaInvocation.deadline(fromHeader: "soon", now: now) == now.addingTimeInterval(900))
    }
}

@Suite(.timeLimit(.minutes(10))) struct HTTPEventTests {
    func object(_ json: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    /// The shape of AWS's documented REST API example (payload 1.0).
    @Test func aRESTAPIEventWithABase64BodyAndRepeatedHeaders() throws {
        let event = try #require(
            try HTTPEvent.parse(
                object(
                    """
                    {"resource":"/{proxy+}","path":"/api/images/a b","httpMethod":"post",
                     "headers":{"Content-Type":"image/png"},
                     "multiValueHeaders":{"Content-Type":["image/png"],"X-Tag":["one","two"]},
                     "queryStringParameters":{"recipe":"shop"},"multiValueQueryStringParameters":{"recipe":["shop"],"n":["1","2"]},
                     "requestContext":{"stage":"prod"},"body":"iVBORw0KGgo=","isBase64Encoded":true}
                    """)))
        #expect(event.version == .v1 && event.method == "POST")
        #expect(event.path == "/api/images/a%20b", "payload 1.0 decodes the path; it is encoded again")
        #expect(event.query == "n=1&n=2&recipe=shop")
        #expect(event.headers.filter { $0.0 == "x-tag" }.map(\.1) == ["one", "two"])
        #expect(event.body == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    /// HTTP APIs and Function URLs (payload 2.0).
    @Test func aFunctionURLEvent() throws {
        let event = try #require(
            try HTTPEvent.parse(
                object(
                    """
                    {"version":"2.0","rawPath":"/api/images","rawQueryString":"status=COMPLETED&limit=5",
                     "cookies":["a=1","b=2"],"headers":{"accept":"application/json"},
                     "requestContext":{"http":{"method":"GET","path":"/api/images"}},"isBase64Encoded":false}
                    """)))
        #expect(event.version == .v2 && event.method == "GET" && event.path == "/api/images")
        #expect(event.query == "status=COMPLETED&limit=5")
        #expect(event.headers.contains { $0 == ("cookie", "a=1; b=2") })
        #expect(event.body.isEmpty)
    }

    @Test func otherEventsAreNotHTTPAndBadBase64IsRefused() throws {
        #expect(try HTTPEvent.parse(object(#"{"Records":[]}"#)) == nil)
        #expect(throws: LambdaFunctionError.self) {
            try HTTPEvent.parse(object(#"{"httpMethod":"POST","path":"/","body":"%%%","isBase64Encoded":true}"#))
        }
    }

    @Test func answersInEachPayloadVersion() throws {
        let v1 = HTTPEvent(version: .v1, method: "GET", path: "/", query: "", headers: [], body: [])
        let v1Answer = try #require(
            try JSONSerialization.jsonObject(
                with: Data(
                    v1.response(status: 200, headers: [("Vary", "Accept"), ("Vary", "Origin"), ("Content-Type", "image/jpeg")], body: [1, 2, 3])))
                as? [String: Any])
        #expect(v1Answer["statusCode"] as? Int == 200)
        #expect(v1Answer["isBase64Encoded"] as? Bool == true && v1Answer["body"] as? String == "AQID")
        #expect((v1Answer["multiValueHeaders"] as? [String: [String]])?["Vary"] == ["Accept", "Origin"])

        let v2 = HTTPEvent(version: .v2, method: "GET", path: "/", query: "", headers: [], body: [])
        let v2Answer = try #require(
            try JSONSerialization.jsonObject(
                with: Data(
                    v2.response(
                        status: 404, headers: [("Content-Type", "application/json"), ("Set-Cookie", "a=1"), ("Vary", "Accept"), ("Vary", "Origin")],
                        body: Array(#"{"error":"no"}"#.utf8)))) as? [String: Any])
        #expect(v2Answer["isBase64Encoded"] as? Bool == false && v2Answer["body"] as? String == #"{"error":"no"}"#)
        #expect((v2Answer["headers"] as? [String: String])?["vary"] == "Accept, Origin")
        #expect((v2Answer["headers"] as? [String: String])?["content-type"] == "application/json")
        #expect(v2Answer["cookies"] as? [String] == ["a=1"])
    }
}
