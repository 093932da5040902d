import Composition
import Foundation
import HTTPTypes
import Hummingbird
import OnTheFly
import Pipeline
import URLDialects

#if canImport(Glibc)
    import Glibc
#endif

/// On-the-fly URLs: imgproxy's dialect at `transform.imgproxy.prefix`, thumbor's at
/// `transform.thumbor.prefix`, and recipe variants at `/transform/{recipe}/{variant}/{source}`.
/// Each dialect answers with its peer's statuses (`TransformStatus`).
struct TransformController: Sendable {
    let service: TransformService
    /// Recipe-variant URLs, signed when API keys are on.
    let recipes: RecipeDialect

    init(service: TransformService, signer: URLSigner?) {
        self.service = service
        let service = service
        recipes = RecipeDialect(signer: signer) { service.hasVariant(recipe: $0, variant: $1) }
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        let settings = service.settings
        for (prefix, dialect) in [(settings.imgproxyPrefix, Dialect.imgproxy), (settings.thumborPrefix, .thumbor)] {
            let mount = settings.normalisedPrefix(prefix)
            let pattern = mount == "/" ? "**" : "\(mount.dropFirst())/**"
            let handler: @Sendable (Request, AppRequestContext) async throws -> Response = { request, context in
                try await self.untilClosed(context) { try await self.serve(request, dialect: dialect, mount: mount) }
            }
            router.get(RouterPath(pattern), use: handler)
            router.head(RouterPath(pattern), use: handler)
        }
        let recipe: @Sendable (Request, AppRequestContext) async throws -> Response = { request, context in
            try await self.untilClosed(context) { try await self.serve(request, dialect: .recipe, mount: RecipeDialect.mount) }
        }
        router.get("transform/**", use: recipe)
        router.head("transform/**", use: recipe)
    }

    enum Dialect: String {
        case imgproxy, thumbor, recipe
    }

    /// Runs `answer` until it ends or the client goes away, whichever is first: a closed
    /// connection cancels it, so the render it waits for is cancelled when nobody else waits.
    func untilClosed(_ context: AppRequestContext, _ answer: @escaping @Sendable () async throws -> Response) async throws -> Response {
        let closed = context.channel
        let metrics = service.metrics
        return try await withThrowingTaskGroup(of: Response?.self) { group in
            group.addTask { try await answer() }
            group.addTask {
                try await throwWhenClosed(closed)
                return nil
            }
            defer { group.cancelAll() }
            do {
                guard let response = try await group.next() ?? nil else { throw ConnectionClosed() }
                return response
            } catch is ConnectionClosed {
                // Nobody will read the answer; nginx's 499 says so in the logs and metrics,
                // without an error for what is the client's choice.
                metrics.record(.abandoned)
                return Response(status: .init(code: 499, reasonPhrase: "Client Closed Request"))
            }
        }
    }

    /// `GET /api/transform/sign?dialect=imgproxy|thumbor&path=…`: the web UI's playground signs
    /// its URLs here, with the configured keys (or `insecure`/`unsafe` when only unsigned URLs
    /// are allowed). The signed URL is parsed back before it is returned, so a bad option gets
    /// the dialect's own message.
    func addAPIRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("transform/sign") { request, _ -> Response in
            let query = request.uri.queryParameters
            guard let dialect = query["dialect"].map(String.init), let path = query["path"].map(String.init), !path.isEmpty else {
                throw APIError.badRequest("Give dialect (imgproxy or thumbor) and path.")
            }
            let url: String
            do {
                switch dialect {
                case "imgproxy":
                    let signed = path.hasPrefix("/") ? path : "/" + path
                    let signature = try service.imgproxy.settings.signer?.sign(signed) ?? unsignedMarker("insecure")
                    url = mountBase(service.settings.imgproxyPrefix) + "/" + signature + signed
                    _ = try service.imgproxy.parse("/" + signature + signed)
                case "thumbor":
                    let signed = path.drop { $0 == "/" }
                    let signature = try service.thumbor.settings.signer?.sign(String(signed)) ?? unsignedMarker("unsafe")
                    url = mountBase(service.settings.thumborPrefix) + "/" + signature + "/" + signed
                    _ = try service.thumbor.parse("/" + signature + "/" + signed)
                default: throw APIError.badRequest("dialect must be imgproxy or thumbor, not '\(dialect)'.")
                }
            } catch let error as DialectError {
                throw APIError(.badRequest, code: error.kind.rawValue, message: error.message)
            }
            let body = try JSONEncoder().encode(["url": url])
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }

    /// A mount point to put before `/signature…`: empty for `/`.
    private func mountBase(_ prefix: String) -> String {
        let mount = service.settings.normalisedPrefix(prefix)
        return mount == "/" ? "" : mount
    }

    private func unsignedMarker(_ marker: String) throws -> String {
        guard service.settings.allowUnsigned else {
            throw APIError(.conflict, code: "no_signing_key", message: "This server has no key for that dialect and refuses unsigned URLs.")
        }
        return marker
    }

    func serve(_ request: Request, dialect: Dialect, mount: String) async throws -> Response {
        let raw = request.uri.path
        let path = mount == "/" ? raw : String(raw.dropFirst(mount.count))
        do {
            let parsed: TransformRequest
            var watermark: SourceReference?
            switch dialect {
            case .imgproxy where path.hasPrefix("/info/"):
                let info = try service.imgproxy.parseInfo(String(path.dropFirst("/info".count)))
                let described = TransformRequest(source: info.source, cacheBuster: info.cacheBuster)
                let outcome = try await service.describe(described, as: .imgproxyInfo(info), ifNoneMatch: request.headers[.ifNoneMatch])
                return response(outcome, parsed: described, head: request.method == .head)
            case .imgproxy: parsed = try service.imgproxy.parse(path)
            case .thumbor:
                let thumbor = try service.thumbor.parse(path)
                if let geometry = thumbor.meta {
                    let callback = request.uri.queryParameters["callback"].map(String.init)
                    if let callback, !ThumborMeta.validCallback(callback) {
                        throw DialectError.badOption("the callback must be a JavaScript name of at most 64 letters, digits, '_', '$' or '.'")
                    }
                    let outcome = try await service.describe(
                        thumbor.request, as: .thumborMeta(geometry, callback: callback), ifNoneMatch: request.headers[.ifNoneMatch])
                    return response(outcome, parsed: thumbor.request, head: request.method == .head)
                }
                parsed = thumbor.request
                watermark = thumbor.watermarkSource
            case .recipe:
                let query = request.uri.queryParameters
                parsed = try recipes.parse(path, expires: query["expires"].map(String.init), signature: query["signature"].map(String.init))
            }
            let outcome = try await service.serve(
                parsed, accept: request.headers[.accept], ifNoneMatch: request.headers[.ifNoneMatch], watermark: watermark)
            return response(outcome, parsed: parsed, head: request.method == .head)
        } catch let error as DialectError {
            throw TransformStatus.error(error, dialect: dialect)
        } catch let error as TransformError {
            throw TransformStatus.error(error, dialect: dialect)
        }
    }

    /// `/{recipe}/{variant}/{source}?expires=…&signature=…`: the source is an image id or a
    /// path under the root. Signed with the API's URL signer when API keys are on.
    private func response(_ outcome: TransformService.Outcome, parsed: TransformRequest, head: Bool) -> Response {
        var headers: HTTPFields = [.eTag: outcome.etag]
        headers[.cacheControl] = "public, max-age=\(parsed.delivery.maxAge ?? service.settings.maxAgeSeconds)"
        if outcome.variesByAccept { headers[.vary] = "Accept" }
        if !parsed.ignored.isEmpty { headers[HTTPField.Name("X-Darkroom-Ignored")!] = parsed.ignored.joined(separator: ", ") }
        guard let result = outcome.result else { return Response(status: .notModified, headers: headers) }
        headers[.contentType] = result.contentType
        headers[.lastModified] = Self.httpDate(result.created)
        headers[HTTPField.Name("X-Darkroom-Source")!] = outcome.source.rawValue
        if parsed.delivery.filename != nil || parsed.delivery.attachment {
            let stem = parsed.delivery.filename.flatMap { $0.isEmpty ? nil : $0 } ?? "image"
            let ext = result.contentType.split(separator: "/").last.map { $0 == "jpeg" ? "jpg" : String($0) } ?? "bin"
            headers[.contentDisposition] = HTTPDelivery.contentDisposition("\(stem).\(ext)", attachment: parsed.delivery.attachment)
        }
        headers[.contentLength] = String(result.bytes.count)
        return Response(status: .ok, headers: headers, body: head ? .init() : .init(byteBuffer: ByteBuffer(bytes: result.bytes)))
    }

    /// An HTTP date (RFC 9110 IMF-fixdate), made without a `DateFormatter`: this runs on
    /// every answer, cache hits included.
    static func httpDate(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The one table of statuses for on-the-fly failures, per dialect: imgproxy's (403 for a bad
/// signature, 404 for a bad option or an expired URL, 422 for a source over the limits),
/// thumbor's (400 for a bad signature or URL), and Darkroom's own. Busy is 429 with
/// `Retry-After`, and a timeout 503, in every dialect. Errors carry no `Cache-Control`.
enum TransformStatus {
    static func error(_ error: DialectError, dialect: TransformController.Dialect) -> APIError {
        let status: HTTPResponse.Status
        switch (dialect, error.kind) {
        case (.thumbor, _): status = .badRequest
        case (_, .badSignature), (_, .unsigned): status = .forbidden
        case (.imgproxy, _): status = .notFound
        case (.recipe, .expired): status = .forbidden
        case (.recipe, _): status = .notFound
        }
        return APIError(status, code: error.kind.rawValue, message: error.message)
    }

    static func error(_ error: TransformError, dialect: TransformController.Dialect) -> APIError {
        let status: HTTPResponse.Status
        switch error.kind {
        case .notFound: status = .notFound
        case .forbidden: status = dialect == .thumbor ? .badRequest : .forbidden
        case .unprocessable: status = dialect == .thumbor ? .badRequest : .unprocessableContent
        case .busy: status = .tooManyRequests
        case .timeout: status = .serviceUnavailable
        case .upstream: status = .badGateway
        }
        var api = APIError(status, code: error.kind.rawValue, message: error.message)
        if error.kind == .busy { api.headers[.retryAfter] = "1" }
        return api
    }
}
