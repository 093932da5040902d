import BlockingWork
import Foundation
import Logging

/// The function's main loop: initialise once, then take events from `/next` and post each
/// answer, for ever; `afterAnswer` may finish work the answer did not wait for.
///
/// - An initialisation that throws is posted to `/init/error` and rethrown: the process exits,
///   as Lambda expects, and Lambda reports the cause.
/// - A handler that throws is posted to `/error` with the error's type and message, and the
///   loop goes on to the next event.
/// - A handler still running `margin` before the deadline is abandoned: its invocation gets a
///   `Timeout` error while there is still time to post one. (Handlers stop their own work
///   earlier, with a tighter margin, so this is the backstop.)
public enum LambdaLoop {
    public typealias Handler = @Sendable (LambdaInvocation) async throws -> [UInt8]

    /// Work done after an answer is posted and before the next `/next`: Lambda keeps the
    /// process running until then, and freezes it after.
    public typealias AfterAnswer = @Sendable (LambdaInvocation) async -> Void

    public static func run(
        client: RuntimeAPIClient, margin: Duration = .milliseconds(500), logger: Logger,
        initialize: () async throws -> (Handler, AfterAnswer?)
    ) async throws {
        let handler: Handler
        let afterAnswer: AfterAnswer?
        do {
            (handler, afterAnswer) = try await initialize()
        } catch {
            let reported = (error as? LambdaFunctionError) ?? LambdaFunctionError(type: "Runtime.InitError", message: String(describing: error))
            logger.error("the function could not start", metadata: ["error": "\(reported)"])
            try? await client.failInit(reported)
            throw error
        }
        while !Task.isCancelled {
            let invocation = try await client.next()
            try await answer(invocation, client: client, margin: margin, logger: logger, handler: handler)
            await afterAnswer?(invocation)
        }
    }

    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Runs one invocation and posts its answer or its error.
    static func answer(_ invocation: LambdaInvocation, client: RuntimeAPIClient, margin: Duration, logger: Logger, handler: @escaping Handler)
        async throws
    {
        var logger = logger
        logger[metadataKey: "request"] = "\(invocation.requestID)"
        let remaining = invocation.deadline.timeIntervalSinceNow - seconds(margin)
        let limit = Duration.milliseconds(max(0, Int64(remaining * 1000)))
        let timeout = LambdaFunctionError(type: "Timeout", message: "The work did not end before the function's deadline.")
        do {
            let body = try await withDeadline(limit, orThrow: timeout) { try await handler(invocation) }
            do {
                try await client.respond(to: invocation.requestID, body: body)
            } catch let error as RuntimeAPIError {
                // Refused (over the 6 MB limit, say): the caller still gets an answer.
                logger.error("the answer was refused", metadata: ["error": "\(error)"])
                try await client.fail(invocation.requestID, error: LambdaFunctionError(type: "Runtime.ResponseRefused", message: error.description))
            }
        } catch let error as LambdaFunctionError {
            logger.error("invocation failed", metadata: ["error": "\(error)"])
            try await client.fail(invocation.requestID, error: error)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let reported = LambdaFunctionError(type: String(describing: type(of: error)), message: String(describing: error))
            logger.error("invocation failed", metadata: ["error": "\(reported)"])
            try await client.fail(invocation.requestID, error: reported)
        }
    }
}
