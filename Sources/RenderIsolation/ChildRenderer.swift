import BlockingWork
import Foundation
import Imaging
import Logging
import Pipeline

#if canImport(Glibc)
    import Glibc
#endif

/// Renders in supervised child processes, the way browsers isolate their decoders: libvips
/// aborts the process on some internal errors (failed allocations, assertions) instead of
/// returning them, and here such an abort costs one image, never the service.
///
/// - Each of `slots` children runs one render at a time; the supervisor knows which job each
///   holds, so a crash is charged to exactly that job.
/// - A render whose child dies (or runs past `timeout` and is killed) is tried once more in a
///   fresh child. A second crash ends it with `RenderError.crashed`: the image is FAILED with a
///   message, with no crash loop.
/// - A slot whose children keep dying is restarted with a growing delay (50 ms doubling to
///   10 s); a successful render resets it.
/// - Children are started lazily and killed when the renderer shuts down; a child whose parent
///   dies outright sees its input end and exits.
public final class ChildRenderer: Renderer, Sendable {
    public struct Settings: Sendable {
        /// The `darkroom` binary the children run.
        public var executable: String
        /// `RenderChild.arguments(...)`: the recipes and limits the children load.
        public var arguments: [String]
        /// Children, and so renders at once.
        public var slots: Int
        /// A render running longer than this is killed and counted as a crash.
        public var timeout: Duration
        /// The largest source sent to a child, and so the largest result accepted back (results
        /// may be several times larger than their source).
        public var maxSourceBytes: Int
        /// A child resident above this after a job (it returns what it freed first) is replaced
        /// before the next: the bound on what one child can keep.
        public var recycleAboveBytes = defaultRecycleAboveBytes
        public static let defaultRecycleAboveBytes = 256 << 20

        public init(executable: String, arguments: [String], slots: Int, timeout: Duration, maxSourceBytes: Int) {
            self.executable = executable
            self.arguments = arguments
            self.slots = max(1, slots)
            self.timeout = timeout
            self.maxSourceBytes = maxSourceBytes
        }

        /// This process's own binary, which is what children should run.
        public static var currentExecutable: String {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        }
    }

    /// How many crashes a render survives before its image is failed.
    public static let crashesPerRender = 2

    private let settings: Settings
    private let logger: Logger
    private let slots: SlotPool
    /// Blocking pipe I/O runs here, one thread a slot, off the cooperative pool.
    private let io: BlockingPool

    public init(settings: Settings, logger: Logger) {
        // A child that dies while a request is written must not take the parent with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        self.settings = settings
        self.logger = logger
        self.slots = SlotPool(count: settings.slots)
        self.io = BlockingPool(threads: settings.slots)
    }

    deinit {
        slots.shutDown()
    }

    /// Kills every child. Renders in flight fail; later renders start new children.
    public func shutDown() {
        slots.shutDown()
    }

    public func render(_ bytes: [UInt8], recipe: String, regions: ImageRegions) async throws -> RecipeResult {
        try await render(bytes, request: RenderWire.Request(recipe: recipe, regions: regions), label: recipe)
    }

    public func render(_ bytes: [UInt8], transform: TransformSpec, regions: ImageRegions) async throws -> RecipeResult {
        try await render(bytes, request: RenderWire.Request(recipe: "", transform: transform, regions: regions), label: "on-the-fly")
    }

    private func render(_ bytes: [UInt8], request: RenderWire.Request, label recipe: String) async throws -> RecipeResult {
        let slot = await slots.acquire()
        defer { slots.release(slot) }
        let settings = self.settings
        var reasons: [String] = []
        for attempt in 1...Self.crashesPerRender {
            let wait = slot.restartDelay()
            if wait > .zero { try await Task.sleep(for: wait) }
            switch try await io.run({ try slot.exchange(bytes, request: request, settings: settings) }) {
            case .response(let response, let payload):
                slot.succeeded()
                return try Self.result(response, payload: payload)
            case .crashed(let reason):
                slot.crashed()
                reasons.append(reason)
                logger.error(
                    "render child crashed",
                    metadata: ["recipe": "\(recipe)", "reason": "\(reason)", "attempt": "\(attempt)", "of": "\(Self.crashesPerRender)"])
            }
        }
        let distinct = reasons.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        throw RenderError.crashed(
            "Processing crashed \(reasons.count == 2 ? "twice" : "\(reasons.count) times") (\(distinct.joined(separator: "; "))); this image cannot be processed."
        )
    }

    private static func result(_ response: RenderWire.Response, payload: [UInt8]) throws -> RecipeResult {
        if let header = response.result { return try RenderWire.decode(header, payload: payload) }
        if let error = response.imagingError { throw error }
        if let name = response.unknownRecipe { throw RenderError.unknownRecipe(name) }
        throw ImagingError.processingFailed("rendering", detail: response.renderError ?? "no result")
    }
}

/// How one exchange with a child ended.
enum SlotOutcome: Sendable {
    case response(RenderWire.Response, [UInt8])
    case crashed(String)
}
