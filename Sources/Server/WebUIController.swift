import Foundation
import HTTPTypes
import Hummingbird
import Pipeline

/// The web UI: `/` is the page, `/ui/<file>` its stylesheet, scripts and icon. The files are
/// plain HTML, CSS and ES modules shipped as resources and read once at start-up, so there is
/// no build step and nothing comes from the network. Only names in that fixed set are served.
struct WebUIController: Sendable {
    struct Asset: Sendable {
        var bytes: ByteBuffer
        var contentType: String
        var etag: String
    }

    let assets: [String: Asset]

    init(directory: URL? = Bundle.module.url(forResource: "Web", withExtension: nil)) {
        var assets: [String: Asset] = [:]
        let names = directory.flatMap { try? FileManager.default.contentsOfDirectory(atPath: $0.path) } ?? []
        for name in names {
            guard let directory, let type = Self.contentTypes[(name as NSString).pathExtension],
                let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path)
            else { continue }
            let bytes = Array(data)
            let etag = "\"" + ContentDigest.sha256Hex(bytes).prefix(16) + "\""
            assets[name] = Asset(bytes: ByteBuffer(bytes: bytes), contentType: type, etag: etag)
        }
        self.assets = assets
    }

    static let contentTypes = [
        "html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8",
        "svg": "image/svg+xml",
    ]

    /// Scripts, styles and connections come from this server only; images may also come from a
    /// bucket's presigned URLs.
    static let contentSecurityPolicy =
        "default-src 'self'; img-src 'self' data: blob: http: https:; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/") { request, _ in try serve("index.html", request) }
        router.get("ui/{file}") { request, context in try serve(context.parameters.get("file") ?? "", request) }
    }

    func serve(_ name: String, _ request: Request) throws -> Response {
        guard let asset = assets[name] else { throw APIError.notFound("The web UI file '\(name)'") }
        var headers: HTTPFields = [
            .eTag: asset.etag, .cacheControl: "no-cache", .contentSecurityPolicy: Self.contentSecurityPolicy,
            HTTPField.Name("X-Content-Type-Options")!: "nosniff", HTTPField.Name("Referrer-Policy")!: "no-referrer",
        ]
        if HTTPDelivery.ifNoneMatch(request.headers[.ifNoneMatch], matches: asset.etag) { return Response(status: .notModified, headers: headers) }
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.bytes))
    }
}
