import Foundation
import Hummingbird
import Logging
import NIOCore

/// Darkroom's request context. Uploads do not go through its `maxUploadSize` (Hummingbird's
/// 2 MB default, used when a JSON body is decoded): the upload route streams and bounds its own
/// body by `limits.maxBytes`.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request's connection, to watch for a client that hangs up (`HangUpWatcher`).
    let channel: any Channel

    /// JSON without escaped slashes, so URLs in answers read as URLs.
    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
