import Foundation
import Imaging
import Logging

/// Settings for the workers of one process.
public struct WorkerSettings: Sendable {
    /// How long a leased job stays invisible; a crashed worker's job returns after this.
    public var visibility: Duration
    public var retry: RetryPolicy
    /// How long an idle worker waits before looking for work again, unless woken sooner.
    public var idlePoll: Duration
    /// Keep the original's GPS position in its record's facts (`metadata.keepGps`); by default
    /// the record only says that it had one.
    public var keepGPS: Bool

    public init(
        visibility: Duration = .seconds(120), retry: RetryPolicy = RetryPolicy(), idlePoll: Duration = .milliseconds(250), keepGPS: Bool = false
    ) {
        self.visibility = visibility
        self.retry = retry
        self.idlePoll = idlePoll
        self.keepGPS = keepGPS
    }
}

/// The worker loop: lease a job, process it, store the variants, record the result, notify,
/// acknowledge. Image processing runs in the renderer (child processes, or a blocking pool), never
/// on the cooperative pool.
///
/// A source the imaging layer refuses (corrupt, too large) fails at once: retrying cannot help.
/// Anything else (storage or database trouble) is retried with backoff, and after the last
/// attempt the job goes to the dead-letter state and the image to FAILED.
public struct Worker: Sendable {
    let blobs: any BlobStore
    let metadata: any MetadataStore
    let queue: any JobQueue
    let notifier: any Notifier
    let renderer: any Renderer
    let settings: WorkerSettings
    let doorbell: Doorbell
    let observer: (any WorkerObserver)?
    /// Every retry and give-up is logged with the image id, the attempt and the cause.
    let logger: Logger
    /// The largest original a worker will fetch.
    let maxFileBytes: Int

    public init(
        blobs: any BlobStore, metadata: any MetadataStore, queue: any JobQueue, notifier: any Notifier, renderer: any Renderer,
        limits: Limits, settings: WorkerSettings, doorbell: Doorbell, observer: (any WorkerObserver)? = nil,
        logger: Logger = Logger(label: "darkroom.worker")
    ) {
        self.logger = logger
        self.blobs = blobs
        self.metadata = metadata
        self.queue = queue
        self.notifier = notifier
        self.renderer = renderer
        self.maxFileBytes = limits.maxFileBytes
        self.settings = settings
        self.doorbell = doorbell
        self.observer = observer
    }

    /// Works until the task is cancelled. A cancelled worker finishes the job it holds.
    public func run() async {
        var outage = 0
        while !Task.isCancelled {
            do {
                let worked = try await processNext()
                outage = 0
                if !worked { await doorbell.wait(upTo: settings.idlePoll) }
            } catch {
                // The queue or the database is unreachable: say so, and back off up to 30 s.
                outage += 1
                let wait = min(30.0, 0.25 * pow(2, Double(min(outage, 8))))
                logger.error("the job queue is unreachable", metadata: ["error": "\(error)", "retry_in_s": "\(wait)"])
                try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
            }
        }
    }

    /// Leases and processes one job. False when no job was ready.
    @discardableResult
    public func processNext() async throws -> Bool {
        guard let lease = try await queue.lease(for: settings.visibility) else { return false }
        let clock = ContinuousClock()
        let started = clock.now
        // The heartbeat: while the job runs, its lease is pushed on every third of the
        // visibility, so a long job is never taken over and a crashed worker's job returns soon
        // after its short lease ends.
        let queue = self.queue
        let visibility = settings.visibility
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: visibility / 3)
                if Task.isCancelled { return }
                if (try? await queue.extendLease(lease, by: visibility)) == false {
                    logger.warning("the job's lease was lost; another worker may have it", metadata: ["image": "\(lease.job.imageID)"])
                    return
                }
            }
        }
        let outcome = await process(lease)
        heartbeat.cancel()
        observer?.jobFinished(outcome: outcome, duration: clock.now - started)
        return true
    }

    private func process(_ lease: Lease) async -> JobOutcome {
        let job = lease.job
        do {
            guard let record = try await metadata.record(id: job.imageID), record.generation == job.generation, !record.status.isFinal else {
                try await queue.acknowledge(lease)  // deleted, reprocessed or already done: nothing to do
                return .skipped
            }
            if lease.attempts > settings.retry.maxAttempts {
                return await giveUp(
                    lease, error: "Processing failed after \(settings.retry.maxAttempts) attempts.",
                    cause: PermanentJobError(message: "attempts exhausted"))
            }
            guard try await metadata.markProcessing(id: job.imageID, generation: job.generation, attempts: lease.attempts) else {
                try await queue.acknowledge(lease)
                return .skipped
            }
            await notifier.notify(ImageEvent(id: job.imageID, status: .processing))
            let result = try await render(record, generation: job.generation, attempt: lease.attempts, recipe: job.recipe)
            if try await metadata.complete(id: job.imageID, generation: job.generation, attempt: lease.attempts, with: result) {
                await notifier.notify(
                    ImageEvent(
                        id: job.imageID, status: .completed, variants: result.variants, regions: result.regions, placeholder: result.placeholder))
            } else {
                try await discardIfOrphaned(result.variants, job: job)
            }
            try await queue.acknowledge(lease)
            return .completed
        } catch let error as ImagingError where error.isClientError {
            return await giveUp(lease, error: error.message, cause: error, detail: error.detail)
        } catch is JobSuperseded {
            try? await queue.acknowledge(lease)  // deleted or reprocessed mid-render: nothing to write
            return .skipped
        } catch let error as PermanentJobError {
            return await giveUp(lease, error: error.message, cause: error)
        } catch let error as RenderError where error.isPermanent {
            return await giveUp(lease, error: error.message, cause: error)
        } catch let error as BlobKeyError {
            // A key that can never be read (an S3 object named with `..` or `//`): no retry helps.
            return await giveUp(lease, error: "The original cannot be read: \(error.description).", cause: error)
        } catch {
            let detail = (error as? ImagingError)?.detail ?? ""
            if lease.attempts >= settings.retry.maxAttempts {
                return await giveUp(
                    lease, error: "Processing failed after \(lease.attempts) attempts: \(Self.summary(error))", cause: error, detail: detail)
            }
            let delay = settings.retry.delay(afterAttempt: lease.attempts)
            logger.warning(
                "job failed; retrying",
                metadata: [
                    "image": "\(job.imageID)", "attempt": "\(lease.attempts)", "of": "\(settings.retry.maxAttempts)", "cause": "\(error)",
                    "detail": "\(detail)", "retry_in": "\(delay)",
                ])
            do {
                try await queue.retry(lease, after: delay)
            } catch {
                logger.error("the job could not be put back; its lease will expire", metadata: ["image": "\(job.imageID)", "error": "\(error)"])
            }
            return .retried
        }
    }

    /// Removes variants just written for a record that was deleted, or moved to another
    /// generation, while they were made: nothing stays behind for an image that no longer
    /// exists. Keys are per generation, so this never touches a live generation's files.
    private func discardIfOrphaned(_ variants: [VariantRecord], job: Job) async throws {
        let current = try await metadata.record(id: job.imageID)
        guard current == nil || current?.generation != job.generation else { return }
        for variant in variants { try await blobs.delete(prefix: variant.key) }
    }

    /// Runs the recipe on the stored original and stores every variant.
    private func render(_ record: ImageRecord, generation: Int, attempt: Int, recipe name: String) async throws -> CompletedImage {
        // A drop over the size limit was recorded without being copied (`DropIngestor`): refuse
        // it before reading anything.
        guard record.bytes <= maxFileBytes else {
            throw PermanentJobError(message: "The original is \(record.bytes) bytes; the limit is \(maxFileBytes) bytes.")
        }
        guard let original = try await blobs.get(record.originalKey) else {
            throw PermanentJobError(message: "The original upload is missing from storage.")
        }
        let result = try await renderer.render(original, recipe: name, regions: record.regions)
        let variants = result.variants.map { variant in
            let image = variant.image
            return VariantRecord(
                name: variant.name,
                key: BlobKeys.variant(id: record.id, generation: generation, name: variant.name, fileExtension: image.format.fileExtension),
                width: image.width, height: image.height, bytes: image.bytes.count, format: image.format.rawValue,
                contentType: image.format.contentType, quality: image.qualityChoice)
        }
        // Rendering takes a while: if the image was deleted or reprocessed meanwhile, or another
        // worker took the job over (this lease expired), write nothing.
        guard let current = try await metadata.record(id: record.id), current.generation == generation, current.attempts == attempt else {
            throw JobSuperseded()
        }
        // The variants are stored at once: on S3 that is one round trip instead of one per variant.
        let blobs = self.blobs
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (variant, record) in zip(result.variants, variants) {
                let bytes = variant.image.bytes
                group.addTask { try await blobs.put(record.key, bytes: bytes, contentType: record.contentType) }
            }
            try await group.waitForAll()
        }
        let source = result.source
        return CompletedImage(
            width: source.orientedWidth, height: source.orientedHeight, format: source.format.rawValue, variants: variants, regions: result.regions,
            placeholder: result.placeholder, facts: settings.keepGPS ? result.facts : result.facts?.withoutGPS)
    }

    /// `giveUp`, logged with the cause; a store that cannot record it leaves the job to its lease.
    private func giveUp(_ lease: Lease, error: String, cause: any Error, detail: String = "") async -> JobOutcome {
        logger.error(
            "image failed",
            metadata: [
                "image": "\(lease.job.imageID)", "attempt": "\(lease.attempts)", "error": "\(error)", "cause": "\(String(reflecting: cause))",
                "detail": "\(detail)",
            ])
        do {
            return try await giveUp(lease, error: error)
        } catch {
            logger.error(
                "the failure could not be recorded; the job returns when its lease expires",
                metadata: ["image": "\(lease.job.imageID)", "error": "\(error)"])
            return .retried
        }
    }

    /// A short, safe description of an unexpected error for the record.
    static func summary(_ error: any Error) -> String {
        if let imaging = error as? ImagingError { return imaging.message }
        let text = String(describing: error)
        return String(text.prefix(300))
    }

    private func giveUp(_ lease: Lease, error: String) async throws -> JobOutcome {
        let job = lease.job
        if try await metadata.fail(id: job.imageID, generation: job.generation, error: error) {
            await notifier.notify(ImageEvent(id: job.imageID, status: .failed, error: error))
        }
        try await queue.deadLetter(lease, reason: error)
        return .failed
    }
}

/// How one leased job ended.
public enum JobOutcome: String, Sendable, CaseIterable {
    case completed, failed, retried, skipped
}

/// Told about every job a worker finishes, for metrics.
public protocol WorkerObserver: Sendable {
    func jobFinished(outcome: JobOutcome, duration: Duration)
}

/// The image was deleted or reprocessed while its job ran.
struct JobSuperseded: Error {}

/// A failure that retrying cannot fix.
struct PermanentJobError: Error {
    var message: String
}
