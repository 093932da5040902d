import NIOCore
import NIOHTTPTypes

/// Notices a client that hangs up: the connection's input ends (the client closed its side) or
/// the channel goes inactive. Hummingbird neither cancels a handler then nor shows it the
/// event, so on-the-fly requests race `hungUp` (as nginx treats an end of input as a client
/// abort). A client that half-closes after its request is read as gone too.
final class HangUpWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private var promise: EventLoopPromise<Void>?

    /// Completes when the client hangs up.
    var hungUp: EventLoopFuture<Void>? { promise?.futureResult }

    func handlerAdded(context: ChannelHandlerContext) {
        promise = context.eventLoop.makePromise()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { promise?.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise?.succeed()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        promise?.succeed()
    }
}
