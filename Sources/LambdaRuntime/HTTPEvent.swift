import Foundation

/// An HTTP request that reached the function through API Gateway (a REST API's payload 1.0, or
/// an HTTP API's payload 2.0) or a Function URL (payload 2.0), and how its answer is written
/// back in the same payload version.
public struct HTTPEvent: Sendable, Equatable {
    public enum PayloadVersion: Sendable, Equatable {
        /// API Gateway REST APIs (and HTTP APIs set to 1.0): `httpMethod`, `path`,
        /// `multiValueHeaders`, `multiValueQueryStringParameters`.
        case v1
        /// HTTP APIs and Function URLs: `requestContext.http.method`, `rawPath`,
        /// `rawQueryString`, `cookies`.
        case v2
    }

    public var version: PayloadVersion
    public var method: String
    /// The path as the client sent it, percent-encoding kept.
    public var path: String
    /// The query string without its `?`, encoded, or empty.
    public var query: String
    /// Names in lower case; a header sent several times appears several times.
    public var headers: [(String, String)]
    public var body: [UInt8]

    public static func == (a: HTTPEvent, b: HTTPEvent) -> Bool {
        a.version == b.version && a.method == b.method && a.path == b.path && a.query == b.query && a.body == b.body
            && a.headers.map { "\($0.0)=\($0.1)" } == b.headers.map { "\($0.0)=\($0.1)" }
    }

    /// The request in an event, or nil when the event is not an HTTP one. A body marked
    /// base64 that does not decode throws.
    public static func parse(_ object: [String: Any]) throws -> HTTPEvent? {
        let context = object["requestContext"] as? [String: Any]
        if object["version"] as? String == "2.0", let http = context?["http"] as? [String: Any], let method = http["method"] as? String {
            var headers: [(String, String)] = []
            for (name, value) in (object["headers"] as? [String: Any]) ?? [:] {
                // Payload 2.0 joins repeated headers with commas, as HTTP allows.
                headers.append((name.lowercased(), "\(value)"))
            }
            if let cookies = object["cookies"] as? [String], !cookies.isEmpty { headers.append(("cookie", cookies.joined(separator: "; "))) }
            return HTTPEvent(
                version: .v2, method: method.uppercased(), path: (object["rawPath"] as? String) ?? (http["path"] as? String) ?? "/",
                query: (object["rawQueryString"] as? String) ?? "", headers: headers, body: try body(object))
        }
        guard let method = object["httpMethod"] as? String, let path = object["path"] as? String else { return nil }
        var headers: [(String, String)] = []
        if let multi = object["multiValueHeaders"] as? [String: Any] {
            for (name, values) in multi {
                for value in (values as? [Any]) ?? [values] { headers.append((name.lowercased(), "\(value)")) }
            }
        } else {
            for (name, value) in (object["headers"] as? [String: Any]) ?? [:] { headers.append((name.lowercased(), "\(value)")) }
        }
        var pairs: [(String, String)] = []
        if let multi = object["multiValueQueryStringParameters"] as? [String: Any] {
            for (name, values) in multi {
                for value in (values as? [Any]) ?? [values] { pairs.append((name, "\(value)")) }
            }
        } else {
            for (name, value) in (object["queryStringParameters"] as? [String: Any]) ?? [:] { pairs.append((name, "\(value)")) }
        }
        // Payload 1.0 hands the path and parameters over decoded: encode them again.
        let query = pairs.sorted { $0.0 < $1.0 }.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
        let encodedPath = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
        return HTTPEvent(version: .v1, method: method.uppercased(), path: encodedPath, query: query, headers: headers, body: try body(object))
    }

    static func body(_ object: [String: Any]) throws -> [UInt8] {
        guard let text = object["body"] as? String else { return [] }
        guard object["isBase64Encoded"] as? Bool == true else { return Array(text.utf8) }
        guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
            throw LambdaFunctionError(type: "InvalidEvent", message: "The event's body is marked base64 but is not base64.")
        }
        return Array(data)
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? text
    }

    /// The answer as this payload version expects it. Text bodies go as text, everything else
    /// base64; headers a response repeats (`Set-Cookie`, `Vary`) keep every value.
    public func response(status: Int, headers: [(String, String)], body: [UInt8]) -> [UInt8] {
        let contentType = headers.first { $0.0.lowercased() == "content-type" }?.1.lowercased() ?? ""
        let isText =
            contentType.hasPrefix("text/") || contentType.contains("json") || contentType.contains("yaml") || contentType.contains("xml")
            || contentType.contains("javascript")
        let text = isText ? String(validating: body, as: UTF8.self) : nil
        var object: [String: Any] = [
            "statusCode": status, "isBase64Encoded": text == nil, "body": text ?? Data(body).base64EncodedString(),
        ]
        var single: [String: String] = [:]
        var multi: [String: [String]] = [:]
        var cookies: [String] = []
        for (original, value) in headers {
            // Payload 2.0 writes header names in lower case, as HTTP/2 does.
            let name = version == .v2 ? original.lowercased() : original
            if version == .v2 && name == "set-cookie" {
                cookies.append(value)
                continue
            }
            multi[name, default: []].append(value)
            single[name] = single[name].map { "\($0), \(value)" } ?? value
        }
        switch version {
        case .v1:
            object["multiValueHeaders"] = multi
        case .v2:
            object["headers"] = single
            if !cookies.isEmpty { object["cookies"] = cookies }
        }
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())
    }
}
