import BlockingWork
import Composition
import Foundation
import HTTPTypes
import Hummingbird
import Imaging
import Pipeline

/// `/api/images`: upload, read, list, download, delete and reprocess images.
struct ImagesController: Sendable {
    let ingestor: Ingestor
    let metadata: any MetadataStore
    let blobs: any BlobStore
    /// Reprocessing and deleting, shared with every front end.
    let lifecycle: ImageLifecycle
    let catalog: RecipeCatalog
    /// Rung when a job is queued, so an idle in-process worker starts at once.
    let doorbell: Doorbell
    let links: BlobLinks
    let bodyBudget: BodyBudget
    let metrics: ServiceMetrics
    /// Framing and base64 decoding run here, off the event loops and the cooperative pool.
    let requestPool: BlockingPool
    let limits: Limits
    /// The largest request body accepted (`DarkroomConfiguration.maxRequestBytes`).
    let maxRequestBytes: Int

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("images", use: upload)
        group.get("images", use: list)
        group.get("images/{id}", use: show)
        // HEAD answers as GET does; ErrorBodyMiddleware drops the body of every HEAD answer.
        group.head("images/{id}", use: show)
        group.head("images/{id}/original", use: original)
        group.head("images/{id}/variants/{name}", use: variant)
        group.delete("images/{id}", use: delete)
        group.get("images/{id}/original", use: original)
        group.get("images/{id}/variants/{name}", use: variant)
        group.post("images/{id}/reprocess", use: reprocess)
        group.put("images/{id}/regions", use: replaceRegions)
        group.get("recipes", use: recipes)
    }

    @Sendable func upload(_ request: Request, context: AppRequestContext) async throws -> Response {
        let recipe = request.uri.queryParameters["recipe"].map(String.init) ?? "default"
        let limit = maxRequestBytes
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError(
                .contentTooLarge, code: "file_too_large", message: Self.tooLarge(declared, files: limits.maxFileBytes))
        }
        let reservation = request.headers[.contentLength].flatMap(Int.init) ?? limit
        guard bodyBudget.reserve(reservation) else {
            var busy = APIError(
                .serviceUnavailable, code: "too_many_uploads",
                message: "The server is receiving too many uploads at once (\(bodyBudget.capacity) bytes in flight); try again shortly.")
            busy.headers[.retryAfter] = "2"
            throw busy
        }
        defer { bodyBudget.release(reservation) }
        // The body is copied once, from the network's buffers into one array of its declared
        // size; framing and base64 are then decoded on the request pool, where a multipart file
        // is cut out of that array in place.
        let body = ReceivedBody()
        body.bytes.reserveCapacity(min(reservation, limit))
        for try await chunk in request.body {
            guard body.bytes.count + chunk.readableBytes <= limit else {
                throw APIError(.contentTooLarge, code: "file_too_large", message: Self.tooLarge(nil, files: limits.maxFileBytes))
            }
            body.bytes.append(contentsOf: chunk.readableBytesView)
        }
        let headers = request.headers
        let regionsQuery = request.uri.queryParameters["regions"].map(String.init)
        let files: [Upload]
        do {
            files = try await requestPool.run { try UploadBody.files(from: body.take(), headers: headers, query: regionsQuery) }
        } catch let error as BlockingPoolBusy {
            throw APIError.busy(error)
        }
        let idempotencyKey = request.headers[HTTPField.Name("Idempotency-Key")!]
        do {
            let records = try await ingestor.ingest(files, recipe: recipe, idempotencyKey: idempotencyKey)
            await doorbell.ring()
            metrics.uploaded(records.count)
            return try accepted(records, request: request, context: context)
        } catch let error as IngestError {
            throw APIError.from(error)
        } catch let error as BlockingPoolBusy {
            throw APIError.busy(error)
        }
    }

    /// The 413 message: the file limit a person can act on (the request may carry 1 MiB more, for
    /// multipart framing).
    static func tooLarge(_ declared: Int?, files limit: Int) -> String {
        let size = declared.map { "The upload is \($0) bytes" } ?? "The upload is too large"
        let mebibytes = Double(limit) / 1_048_576
        let readable = mebibytes >= 1 ? " (\(mebibytes.rounded() == mebibytes ? String(Int(mebibytes)) : String(format: "%.1f", mebibytes)) MiB)" : ""
        return "\(size); files may be at most \(limit) bytes\(readable)."
    }

    /// 202 with the image object (and its Location), or `{"images": [...]}` for several.
    private func accepted(_ records: [ImageRecord], request: Request, context: AppRequestContext) throws -> Response {
        if records.count == 1, let record = records.first {
            var response = try ImageResource(record, links: links).response(from: request, context: context)
            response.status = .accepted
            response.headers[.location] = "/api/images/\(record.id)"
            return response
        }
        var response = try ImageList(images: records.map { ImageResource($0, links: links) }).response(from: request, context: context)
        response.status = .accepted
        return response
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> ImageResource {
        ImageResource(try await record(context), links: links)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> ImagePage {
        let query = request.uri.queryParameters
        var status: ImageStatus?
        if let raw = query["status"], !raw.isEmpty {
            guard let parsed = ImageStatus(rawValue: String(raw).uppercased()) else {
                throw APIError.badRequest("status must be one of PENDING, PROCESSING, COMPLETED, FAILED.")
            }
            status = parsed
        }
        var limit = 20
        if let raw = query["limit"] {
            guard let parsed = Int(raw), (1...100).contains(parsed) else { throw APIError.badRequest("limit must be a whole number from 1 to 100.") }
            limit = parsed
        }
        let cursor = query["cursor"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        if let cursor, !ImageID.isValid(cursor) { throw APIError.badRequest("cursor is not a value this API returned.") }
        var filter = FactsFilter()
        if let raw = query["format"].map(String.init), !raw.isEmpty {
            guard let format = ImageFormat(rawValue: raw == "jpg" ? "jpeg" : raw) else {
                throw APIError.badRequest("format must be one of \(ImageFormat.allCases.map(\.rawValue).joined(separator: ", ")), not '\(raw)'.")
            }
            filter.format = format.rawValue
        }
        for (name, keyPath) in [("takenFrom", \FactsFilter.takenFrom), ("takenBefore", \FactsFilter.takenBefore)] {
            guard let raw = query[Substring(name)].map(String.init), !raw.isEmpty else { continue }
            guard let bound = FactsFilter.bound(raw) else {
                throw APIError.badRequest("\(name) must be a date (2024-05-06) or a date and time (2024-05-06T07:08:09), not '\(raw)'.")
            }
            filter[keyPath: keyPath] = bound
        }
        let records = try await metadata.list(status: status, limit: limit + 1, after: cursor, matching: filter)
        let page = Array(records.prefix(limit))
        return ImagePage(images: page.map { ImageResource($0, links: links) }, nextCursor: records.count > limit ? page.last?.id : nil)
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try imageID(context)
        guard try await lifecycle.delete(id: id) != nil else { throw APIError.notFound("Image \(id)") }
        return Response(status: .noContent)
    }

    @Sendable func original(_ request: Request, context: AppRequestContext) async throws -> Response {
        let record = try await record(context)
        var response = try await blobResponse(
            request, key: record.originalKey, contentType: record.contentType, etag: "\"\(record.sha256)\"",
            cacheControl: "public, max-age=31536000, immutable")
        response.headers[.contentDisposition] = HTTPDelivery.contentDisposition(record.filename)
        return response
    }

    @Sendable func variant(_ request: Request, context: AppRequestContext) async throws -> Response {
        let record = try await record(context)
        let name = context.parameters.get("name") ?? ""
        guard let variant = record.variants.first(where: { $0.name == name }) else {
            throw APIError.notFound("Variant '\(name)' of image \(record.id)")
        }
        return try await blobResponse(
            request, key: variant.key, contentType: variant.contentType, etag: "\"\(record.id)-\(record.generation)-\(variant.name)\"",
            cacheControl: "public, max-age=0, must-revalidate")
    }

    /// `PUT /api/images/{id}/regions`: a person's review replaces every region (faces kept,
    /// moved or deleted, boxes added); the faces are then what the person left, and the image
    /// is reprocessed with them unless `reprocess` is false.
    @Sendable func replaceRegions(_ request: Request, context: AppRequestContext) async throws -> Response {
        struct Body: Decodable {
            var regions: [RegionsField.Box]
            var reprocess: Bool?

            private enum CodingKeys: String, CodingKey { case regions, reprocess }

            init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                regions = try c.decode([RegionsField.Box].self, forKey: .regions)
                reprocess = try RegionsField.optional(Bool.self, .reprocess, in: c)
            }
        }
        let id = try imageID(context)
        let data = try await request.body.collect(upTo: RegionsField.maxBytes + 1024)
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: Data(buffer: data))
        } catch {
            throw RegionsField.invalid(
                "regions",
                "send {\"regions\": [{\"x\", \"y\", \"width\", \"height\", \"kind\"}], \"reprocess\": true} with fractions (0 to 1) of the image")
        }
        let regions = try RegionsField.regions(body.regions, field: "regions")
        guard let existing = try await metadata.record(id: id) else { throw APIError.notFound("Image \(id)") }
        let reviewed = ImageRegions(regions: regions, facesDetected: true, reviewed: true)
        guard try await metadata.setRegions(id: id, regions: reviewed) else { throw APIError.notFound("Image \(id)") }
        guard body.reprocess ?? true else {
            var updated = existing
            updated.regions = reviewed
            return try ImageResource(updated, links: links).response(from: request, context: context)
        }
        return try await restart(existing, recipe: existing.recipe, request: request, context: context)
    }

    @Sendable func reprocess(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try imageID(context)
        guard let existing = try await metadata.record(id: id) else { throw APIError.notFound("Image \(id)") }
        let recipe = request.uri.queryParameters["recipe"].map(String.init) ?? existing.recipe
        return try await restart(existing, recipe: recipe, request: request, context: context)
    }

    /// A new generation of `existing` with `recipe`, its job queued: 202 with the record.
    private func restart(_ existing: ImageRecord, recipe: String, request: Request, context: AppRequestContext) async throws -> Response {
        let restarted: ImageRecord?
        do {
            restarted = try await lifecycle.restart(existing, recipe: recipe)
        } catch let error as IngestError {
            throw APIError.from(error)
        }
        guard let record = restarted else { throw APIError.notFound("Image \(existing.id)") }
        var response = try ImageResource(record, links: links).response(from: request, context: context)
        response.status = .accepted
        return response
    }

    @Sendable func recipes(_ request: Request, context: AppRequestContext) async throws -> RecipeList {
        RecipeList(
            recipes: catalog.names.compactMap { catalog.recipe(named: $0) }.map { recipe in
                RecipeList.Recipe(
                    name: recipe.name, description: recipe.description,
                    variants: recipe.variants.map { .init(name: $0.name, format: $0.output.format.rawValue) })
            })
    }

    private func imageID(_ context: AppRequestContext) throws -> String {
        let id = context.parameters.get("id") ?? ""
        guard ImageID.isValid(id) else { throw APIError.notFound("Image \(id)") }
        return id
    }

    private func record(_ context: AppRequestContext) async throws -> ImageRecord {
        let id = try imageID(context)
        guard let record = try await metadata.record(id: id) else { throw APIError.notFound("Image \(id)") }
        return record
    }

    private func blobResponse(_ request: Request, key: String, contentType: String, etag: String, cacheControl: String) async throws -> Response {
        // A signed URL's expiry is unix seconds; anything else is a malformed link, with or without API keys.
        let expiries = request.uri.queryParameters.getAll("expires")
        guard expiries.count <= 1, expiries.allSatisfy({ Int($0) != nil }) else {
            throw APIError.badRequest("expires must be one whole number of unix seconds, as a signed URL carries it.")
        }
        var headers: HTTPFields = [.eTag: etag, .cacheControl: cacheControl]
        if HTTPDelivery.ifNoneMatch(request.headers[.ifNoneMatch], matches: etag) { return Response(status: .notModified, headers: headers) }
        guard let bytes = try await blobs.get(key) else { throw APIError.notFound("The stored file") }
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// The recipes on offer.
struct RecipeList: ResponseEncodable, Sendable {
    struct Recipe: Codable, Sendable {
        struct Variant: Codable, Sendable {
            var name: String
            var format: String
        }
        var name: String
        var description: String
        var variants: [Variant]
    }
    var recipes: [Recipe]
}
