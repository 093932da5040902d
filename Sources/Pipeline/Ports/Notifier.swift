import Imaging
/// A change of an image's status, as clients hear of it.
public struct ImageEvent: Sendable, Equatable, Codable {
    public var id: String
    public var status: ImageStatus
    public var variants: [VariantRecord]
    public var error: String?
    /// On completion: the regions the variants were redacted with.
    public var regions: ImageRegions?
    /// On completion: the image's placeholder, when its recipe makes one.
    public var placeholder: Placeholder?
    /// The image is gone: deleted through the API (in any process).
    public var deleted: Bool = false

    public init(
        id: String, status: ImageStatus, variants: [VariantRecord] = [], error: String? = nil, regions: ImageRegions? = nil,
        placeholder: Placeholder? = nil
    ) {
        self.id = id
        self.status = status
        self.variants = variants
        self.error = error
        self.regions = regions
        self.placeholder = placeholder
    }
}

extension ImageEvent {
    /// The event for an image that was deleted: its last status, and `deleted` set.
    public static func deleted(id: String, status: ImageStatus) -> ImageEvent {
        var event = ImageEvent(id: id, status: status)
        event.deleted = true
        return event
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
