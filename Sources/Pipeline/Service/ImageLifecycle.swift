/// Reprocessing and deleting an image, beside `Ingestor` (which makes them), so that every
/// front end shares one version of each: the REST API's routes, and the Lambda function's
/// Function URL and API Gateway events through them.
public struct ImageLifecycle: Sendable {
    public let ingestor: Ingestor
    /// Hears deletions and restarts (the event stream).
    let notifier: any Notifier
    /// Rung when a job is queued, so an idle in-process worker starts at once.
    let doorbell: Doorbell

    public init(ingestor: Ingestor, notifier: any Notifier, doorbell: Doorbell) {
        self.ingestor = ingestor
        self.notifier = notifier
        self.doorbell = doorbell
    }

    /// Deletes the record, then every file of the image; nil when there is no such image. The
    /// record goes first, so a worker still on the image writes nothing more and removes what
    /// it wrote.
    public func delete(id: String) async throws -> ImageRecord? {
        guard let record = try await ingestor.metadata.delete(id: id) else { return nil }
        for prefix in BlobKeys.prefixes(id: record.id) { try await ingestor.blobs.delete(prefix: prefix) }
        await notifier.notify(ImageEvent.deleted(id: id, status: record.status))
        return record
    }

    /// A new generation of `existing` with `recipe`, its job queued through the same admission
    /// as an upload's; nil when the image is gone. An unknown recipe or a full queue is an
    /// `IngestError`.
    public func restart(_ existing: ImageRecord, recipe: String) async throws -> ImageRecord? {
        guard ingestor.catalog.recipe(named: recipe) != nil else { throw IngestError.unknownRecipe(recipe, known: ingestor.catalog.names) }
        let committer = ingestor.committer
        try await ingestor.gate.admit(1, queue: committer.queue)
        let restarted: ImageRecord?
        do {
            restarted = try await committer.restart(id: existing.id, recipe: recipe)
            await ingestor.gate.release(1)
        } catch {
            await ingestor.gate.release(1)
            throw error
        }
        guard let record = restarted else { return nil }
        // The previous generation's files belong to no record now.
        for variant in existing.variants where variant.key.hasPrefix("variants/") { try await ingestor.blobs.delete(prefix: variant.key) }
        await doorbell.ring()
        await notifier.notify(ImageEvent(id: existing.id, status: .pending))
        return record
    }
}
