import Foundation
import Yams

/// The paths and methods the served OpenAPI document declares, read from it once at start-up.
/// A request for a declared path with a method the document does not list is answered 405 with
/// `Allow`, not 404: the document is the one list of routes, so the two cannot drift.
struct DocumentedRoutes: Sendable {
    struct Route: Sendable {
        /// The path's segments; nil stands for a `{parameter}`.
        var segments: [String?]
        var methods: [String]
    }

    let routes: [Route]

    init(document: String) {
        let paths = ((try? Yams.load(yaml: document)) as? [String: Any])?["paths"] as? [String: Any] ?? [:]
        let verbs: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        routes = paths.map { path, item in
            let segments = path.split(separator: "/").map { $0.hasPrefix("{") ? nil : String($0) }
            let methods = ((item as? [String: Any])?.keys.filter(verbs.contains) ?? []).map { $0.uppercased() }.sorted()
            return Route(segments: segments, methods: methods)
        }
    }

    /// The methods documented for `path`, or nil when the document has no such path.
    func methods(for path: String) -> [String]? {
        let parts = path.split(separator: "/").map(String.init)
        return routes.first { route in
            route.segments.count == parts.count && zip(route.segments, parts).allSatisfy { $0 == nil || $0 == $1 }
        }?.methods
    }

    /// The served document, from the module's resources.
    static let servedDocument: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else { return "" }
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()
}
