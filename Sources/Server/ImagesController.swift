import Foundation
import HTTPTypes
import Hummingbird
import Imaging
import Pipeline

/// `/api/images`: upload, read, list, download, delete and reprocess images.
struct ImagesController: Sendable {
    let services: ServiceComponents

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("images", use: upload)
        group.get("images", use: list)
        group.get("images/{id}", use: show)
        group.delete("images/{id}", use: delete)
        group.get("images/{id}/original", use: original)
        group.get("images/{id}/variants/{name}", use: variant)
        group.post("images/{id}/reprocess", use: reprocess)
        group.get("recipes", use: recipes)
    }

    @Sendable func upload(_ request: Request, context: AppRequestContext) async throws -> Response {
        let recipe = request.uri.queryParameters["recipe"].map(String.init) ?? "default"
        let limit = services.configuration.maxRequestBytes
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError(.contentTooLarge, code: "file_too_large", message: "The upload is \(declared) bytes; the limit is \(limit) bytes.")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, code: "file_too_large", message: "The upload is larger than the limit of \(limit) bytes.")
        }
        let files = try UploadBody.files(from: Array(buffer: body), headers: request.headers)
        let idempotencyKey = request.headers[HTTPField.Name("Idempotency-Key")!]
        if let key = idempotencyKey {
            guard (1...255).contains(key.count) else { throw APIError.badRequest("Idempotency-Key must have 1 to 255 characters.") }
            switch try await services.metadata.claimIdempotencyKey(key) {
            case .claimed:
                break
            case .inProgress:
                throw APIError(.conflict, code: "idempotency_key_in_use", message: "A request with this Idempotency-Key is still being processed.")
            case .completed(let ids):
                var records: [ImageRecord] = []
                for id in ids { if let record = try await services.metadata.record(id: id) { records.append(record) } }
                return try accepted(records, request: request, context: context)
            }
        }
        do {
            // Every file is checked before any is stored, so a bad file refuses the whole request.
            var headers: [ImageHeader] = []
            for file in files { headers.append(try await services.ingestor.check(file, recipe: recipe)) }
            var records: [ImageRecord] = []
            for (file, header) in zip(files, headers) {
                records.append(try await services.ingestor.store(file, recipe: recipe, header: header))
            }
            if let key = idempotencyKey { try await services.metadata.completeIdempotencyKey(key, imageIDs: records.map(\.id)) }
            await services.doorbell.ring()
            services.metrics.uploaded(records.count)
            return try accepted(records, request: request, context: context)
        } catch {
            if let key = idempotencyKey { try? await services.metadata.releaseIdempotencyKey(key) }
            if let error = error as? IngestError { throw APIError.from(error) }
            throw error
        }
    }

    /// 202 with the image object (and its Location), or `{"images": [...]}` for several.
    private func accepted(_ records: [ImageRecord], request: Request, context: AppRequestContext) throws -> Response {
        if records.count == 1, let record = records.first {
            var response = try ImageResource(record, links: services.links).response(from: request, context: context)
            response.status = .accepted
            response.headers[.location] = "/api/images/\(record.id)"
            return response
        }
        var response = try ImageList(images: records.map { ImageResource($0, links: services.links) }).response(from: request, context: context)
        response.status = .accepted
        return response
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> ImageResource {
        ImageResource(try await record(context), links: services.links)
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
        let records = try await services.metadata.list(status: status, limit: limit + 1, after: cursor)
        let page = Array(records.prefix(limit))
        return ImagePage(images: page.map { ImageResource($0, links: services.links) }, nextCursor: records.count > limit ? page.last?.id : nil)
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try imageID(context)
        guard let record = try await services.metadata.delete(id: id) else { throw APIError.notFound("Image \(id)") }
        for prefix in BlobKeys.prefixes(id: record.id) { try await services.blobs.delete(prefix: prefix) }
        await services.streamNotifier.notify(ImageEvent(id: id, status: record.status, error: "deleted"))
        return Response(status: .noContent)
    }

    @Sendable func original(_ request: Request, context: AppRequestContext) async throws -> Response {
        let record = try await record(context)
        return try await blobResponse(
            request, key: record.originalKey, contentType: record.contentType, etag: "\"\(record.sha256)\"",
            cacheControl: "public, max-age=31536000, immutable")
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

    @Sendable func reprocess(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try imageID(context)
        guard let existing = try await services.metadata.record(id: id) else { throw APIError.notFound("Image \(id)") }
        let recipe = request.uri.queryParameters["recipe"].map(String.init) ?? existing.recipe
        guard services.catalog.recipe(named: recipe) != nil else {
            throw APIError.from(IngestError.unknownRecipe(recipe, known: services.catalog.names))
        }
        guard let record = try await services.metadata.restart(id: id, recipe: recipe, enqueuingInto: services.queue) else {
            throw APIError.notFound("Image \(id)")
        }
        await services.doorbell.ring()
        await services.streamNotifier.notify(ImageEvent(id: id, status: .pending))
        var response = try ImageResource(record, links: services.links).response(from: request, context: context)
        response.status = .accepted
        return response
    }

    @Sendable func recipes(_ request: Request, context: AppRequestContext) async throws -> RecipeList {
        RecipeList(
            recipes: services.catalog.names.compactMap { services.catalog.recipe(named: $0) }.map { recipe in
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
        guard let record = try await services.metadata.record(id: id) else { throw APIError.notFound("Image \(id)") }
        return record
    }

    private func blobResponse(_ request: Request, key: String, contentType: String, etag: String, cacheControl: String) async throws -> Response {
        var headers: HTTPFields = [.eTag: etag, .cacheControl: cacheControl]
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag || $0 == "*" })
        {
            return Response(status: .notModified, headers: headers)
        }
        guard let bytes = try await services.blobs.get(key) else { throw APIError.notFound("The stored file") }
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
