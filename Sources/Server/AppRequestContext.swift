import Foundation
import Hummingbird
import Logging
import NIOCore

/// Darkroom's request context. It sets the upload limit on purpose: Hummingbird's default is
/// 2 MB, and photos are larger.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let maxUploadSize: Int

    /// JSON without escaped slashes, so URLs in answers read as URLs.
    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        maxUploadSize = AppRequestContext.uploadLimit
    }

    /// Set once at start-up, before the server accepts a request.
    nonisolated(unsafe) static var uploadLimit = 101 * 1024 * 1024
}
