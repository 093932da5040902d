import Foundation
import Testing

@testable import Imaging

/// libvips's warnings reach the sink the application routes them to, instead of standard error.
@Suite struct VipsLogTests {
    /// Messages seen, from any thread libvips warns on.
    ///
    /// `@unchecked Sendable`: `messages` is only touched with `lock` held.
    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var messages: [String] = []
        func add(_ message: String) { lock.withLock { messages.append(message) } }
        var all: [String] { lock.withLock { messages } }
    }

    @Test func aLibjpegWarningGoesToTheRoutedSink() throws {
        let collected = Collected()
        VipsLog.route { collected.add($0) }
        let jpeg = try Fixtures.jpeg(try Fixtures.noise(width: 64, height: 48))
        // A stray byte before the second marker: libjpeg skips it and warns.
        let second = 4 + (Int(jpeg[4]) << 8 | Int(jpeg[5]))
        let damaged = Array(jpeg[0..<second]) + [0x00] + Array(jpeg[second...])
        _ = try ImageSource.open(damaged).decode()
        #expect(collected.all.contains { $0.contains("extraneous bytes") }, "\(collected.all)")
    }
}
