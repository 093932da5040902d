import Composition
import Foundation
import HTTPTypes
import Hummingbird
import Pipeline

/// `GET /api/events`: Server-Sent Events carrying every status change as
/// `event: status` / `data: {"id", "status", "variants", …}` (EventPayload). A comment line every 5 seconds keeps
/// proxies from closing an idle stream.
struct EventsController: Sendable {
    let events: EventBroadcaster
    let links: BlobLinks

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("events", use: stream)
    }

    @Sendable func stream(_ request: Request, context: AppRequestContext) async throws -> Response {
        let events = self.events.subscribe()
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no"]
        return Response(
            status: .ok, headers: headers,
            body: .init { writer in
                // Two feeders, one writer: events and keep-alives go through one stream, so the
                // response body is only ever written from this task.
                let (frames, feed) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(1000))
                feed.yield(ByteBuffer(string: ": connected\n\n"))
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await event in events { feed.yield(Self.frame(event, links: links)) }
                        feed.finish()
                    }
                    group.addTask {
                        while (try? await Task.sleep(for: .seconds(5))) != nil { feed.yield(ByteBuffer(string: ": keep-alive\n\n")) }
                    }
                    do {
                        for await frame in frames { try await writer.write(frame) }
                    } catch {
                        // The client went away.
                    }
                    group.cancelAll()
                }
                try await writer.finish(nil)
            })
    }

    static func frame(_ event: ImageEvent, links: BlobLinks) -> ByteBuffer {
        let json = String(decoding: EventPayload.json(event, links: links), as: UTF8.self)
        return ByteBuffer(string: "id: \(event.id)-\(event.status.rawValue)\nevent: status\ndata: \(json)\n\n")
    }
}
