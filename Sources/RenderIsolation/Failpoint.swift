import Foundation
import Imaging
import Pipeline

/// TEST ONLY. A way for a test to make image work crash on purpose, as a libvips abort would,
/// so that crash containment can be proven without a real crashing image.
///
/// `DARKROOM_FAILPOINT` holds one rule:
/// - `render-abort:recipe=NAME`: a render child calls `abort()` when asked to run recipe `NAME`;
/// - `render-abort:width=N`: a render child calls `abort()` on a source `N` pixels wide;
/// - `render-stall:recipe=NAME`: a render child hangs on recipe `NAME`, as a render far too
///   slow for its deadline would, until its parent is gone (then it exits: no test leaves it
///   behind).
///
/// - `faces-abort`, `faces-stall`, `faces-fail`: the face detector aborts the child, hangs
///   until its parent is gone, or throws, whenever it is asked for faces; so a test can show
///   that a redacting variant is then never published.
///
/// The variable is read once, when a render child starts; nothing else reads it. Never set it
/// in production.
struct Failpoint: Sendable {
    var recipe: String?
    var width: Int?
    var stalls = false
    var faces: FaceFault?

    enum FaceFault: String { case abort, stall, fail }

    static let current: Failpoint? = {
        guard let value = ProcessInfo.processInfo.environment["DARKROOM_FAILPOINT"] else { return nil }
        if value.hasPrefix("faces-"), let fault = FaceFault(rawValue: String(value.dropFirst("faces-".count))) { return Failpoint(faces: fault) }
        if value.hasPrefix("render-stall:recipe=") { return Failpoint(recipe: String(value.dropFirst("render-stall:recipe=".count)), stalls: true) }
        guard value.hasPrefix("render-abort:") else { return nil }
        let rule = value.dropFirst("render-abort:".count)
        if rule.hasPrefix("recipe=") { return Failpoint(recipe: String(rule.dropFirst("recipe=".count))) }
        if rule.hasPrefix("width="), let width = Int(rule.dropFirst("width=".count)) { return Failpoint(width: width) }
        return nil
    }()

    /// A detector that fails as the rule says, or nil when the rule is not about faces.
    var detector: (any FaceDetector)? { faces.map(FailingDetector.init) }

    /// Aborts the process when the rule matches this request.
    func check(recipe: String, source: [UInt8], limits: Limits) {
        if let name = self.recipe, name == recipe {
            guard stalls else { abort() }
            let parent = getppid()
            while getppid() == parent { usleep(100_000) }
            exit(0)
        }
        if let width, (try? ImageSource.open(source, limits: limits).header.width) == width { abort() }
    }
}

/// TEST ONLY: the face detector of a `faces-*` failpoint.
struct FailingDetector: FaceDetector {
    let fault: Failpoint.FaceFault

    func faces(in image: Image) throws -> [Region] {
        switch fault {
        case .abort: abort()
        case .stall:
            let parent = getppid()
            while getppid() == parent { usleep(100_000) }
            exit(0)
        case .fail: throw ImagingError.detectionFailed("the detector failed (failpoint)")
        }
    }
}
