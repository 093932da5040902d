import Foundation

/// TEST ONLY. A way for a test to make image work crash on purpose, as a libvips abort would,
/// so that crash containment can be proven without a real crashing image.
///
/// `DARKROOM_FAILPOINT=render-abort:RECIPE` makes a render child call `abort()` when it is
/// asked to run the recipe named `RECIPE`. The variable is read once, when a render child
/// starts; nothing else reads it. Never set it in production.
enum Failpoint {
    static let abortingRecipe: String? = {
        guard let value = ProcessInfo.processInfo.environment["DARKROOM_FAILPOINT"], value.hasPrefix("render-abort:") else { return nil }
        return String(value.dropFirst("render-abort:".count))
    }()
}
