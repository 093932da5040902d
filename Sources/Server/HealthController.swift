import Hummingbird
import Pipeline

/// `/healthz` (the process is up) and `/readyz` (it can reach its database and storage).
struct HealthController: Sendable {
    let queue: any JobQueue
    let blobs: any BlobStore

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("healthz") { _, _ in Self.text("ok\n") }
        router.get("readyz") { _, _ in
            do {
                _ = try await queue.depth()
                _ = try await blobs.get("readyz-probe")
                return Self.text("ready\n")
            } catch {
                throw APIError(.serviceUnavailable, code: "not_ready", message: "Storage or the database is unavailable: \(error).")
            }
        }
    }

    static func text(_ body: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
