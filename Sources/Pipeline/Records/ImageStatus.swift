/// Where an image is in its life. The strings are part of the API.
public enum ImageStatus: String, Sendable, Codable, CaseIterable {
    case pending = "PENDING"
    case processing = "PROCESSING"
    case completed = "COMPLETED"
    case failed = "FAILED"

    /// Moves a worker may make. Status never moves backwards; a retry stays PROCESSING, and
    /// only an explicit reprocess starts a new generation at PENDING.
    public func canMove(to next: ImageStatus) -> Bool {
        switch (self, next) {
        case (.pending, .processing), (.pending, .failed): true
        case (.processing, .processing), (.processing, .completed), (.processing, .failed): true
        default: false
        }
    }

    public var isFinal: Bool { self == .completed || self == .failed }
}
