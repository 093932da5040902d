/// A change of an image's status, as clients hear of it.
public struct ImageEvent: Sendable, Equatable, Codable {
    public var id: String
    public var status: ImageStatus
    public var variants: [VariantRecord]
    public var error: String?
    /// On completion: the regions the variants were redacted with.
    public var regions: ImageRegions?

    public init(id: String, status: ImageStatus, variants: [VariantRecord] = [], error: String? = nil, regions: ImageRegions? = nil) {
        self.id = id
        self.status = status
        self.variants = variants
        self.error = error
        self.regions = regions
    }
}

/// Where status changes go: the in-process event stream, webhooks, SNS.
public protocol Notifier: Sendable {
    /// Must not block the caller on slow delivery: queue it and return.
    func notify(_ event: ImageEvent) async
}

/// Sends each event to several notifiers.
public struct NotifierFanOut: Notifier {
    public var notifiers: [any Notifier]

    public init(_ notifiers: [any Notifier]) {
        self.notifiers = notifiers
    }

    public func notify(_ event: ImageEvent) async {
        for notifier in notifiers { await notifier.notify(event) }
    }
}
