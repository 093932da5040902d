import Foundation

/// Reads a store's status feed and publishes every change to this process's event stream, so
/// `/api/events` reports changes made by any process: a `darkroom worker` elsewhere, another
/// API process, this one. Completed and failed events carry the record's variants and error.
///
/// It reads the feed at once when this process changed a status (`wake`, rung through
/// `RelayWakeNotifier`), and otherwise every `interval` (200 ms by default, so a change made
/// elsewhere reaches every stream well within a second). It prunes the feed of changes older
/// than an hour every ten minutes.
public struct StatusFeedRelay: Sendable {
    let feed: any StatusFeed
    let metadata: any MetadataStore
    let events: EventBroadcaster
    let interval: Duration
    let wake: Doorbell

    public init(
        feed: any StatusFeed, metadata: any MetadataStore, events: EventBroadcaster, wake: Doorbell, interval: Duration = .milliseconds(200)
    ) {
        self.feed = feed
        self.metadata = metadata
        self.events = events
        self.wake = wake
        self.interval = interval
    }

    /// Relays until the task is cancelled. A store outage pauses the relay; it resumes where it
    /// stopped.
    public func run() async {
        var position: Int64?
        var lastPrune = ContinuousClock.now
        while !Task.isCancelled {
            do {
                if let start = position {
                    position = try await relay(after: start)
                } else {
                    position = try await feed.latestPosition()
                }
                if ContinuousClock.now - lastPrune > .seconds(600) {
                    try await feed.prune(olderThan: .seconds(3600))
                    lastPrune = ContinuousClock.now
                }
            } catch {
                // The store is unreachable: try again next round.
            }
            await wake.wait(upTo: interval)
        }
    }

    /// Publishes the changes after `position`; returns the new position.
    func relay(after position: Int64) async throws -> Int64 {
        var position = position
        while true {
            let changes = try await feed.changes(after: position, limit: 500)
            for change in changes {
                position = change.position
                // Nobody listening: skip reading records, but keep the place.
                if events.subscriberCount > 0 { await events.notify(try await event(for: change)) }
            }
            if changes.count < 500 { return position }
        }
    }

    func event(for change: StatusChange) async throws -> ImageEvent {
        if change.deleted { return ImageEvent.deleted(id: change.imageID, status: change.status) }
        guard change.status.isFinal, let record = try await metadata.record(id: change.imageID), record.status == change.status else {
            return ImageEvent(id: change.imageID, status: change.status)
        }
        let completed = record.status == .completed
        return ImageEvent(
            id: change.imageID, status: change.status, variants: record.variants, error: record.error,
            regions: completed ? record.regions : nil, placeholder: completed ? record.placeholder : nil)
    }
}

/// Tells the relay that this process just changed a status, so the change reaches the event
/// stream at once instead of at the next poll. The relay reads the change from the feed, so it
/// is published exactly once.
public struct RelayWakeNotifier: Notifier {
    let wake: Doorbell

    public init(wake: Doorbell) {
        self.wake = wake
    }

    public func notify(_ event: ImageEvent) async {
        await wake.ring()
    }
}
