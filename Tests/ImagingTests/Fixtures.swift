import Foundation
import ImagingFixtures
import Testing

@testable import Imaging

/// Small images generated for the tests, and byte-level helpers to inspect encoded files.
enum Fixtures {
    /// An image whose pixels come from `colour(x, y)`.
    static func image(width: Int, height: Int, bands: Int = 3, _ colour: (Int, Int) -> [UInt8]) throws -> Image {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height * bands)
        for y in 0..<height {
            for x in 0..<width { pixels += colour(x, y) }
        }
        return try Image(pixels: pixels, width: width, height: height, bands: bands)
    }

    static func solid(width: Int, height: Int, _ rgb: [UInt8]) throws -> Image {
        try image(width: width, height: height) { _, _ in rgb }
    }

    static let red: [UInt8] = [255, 0, 0]
    static let green: [UInt8] = [0, 255, 0]
    static let blue: [UInt8] = [0, 0, 255]
    static let white: [UInt8] = [255, 255, 255]

    /// Four flat quadrants, red, green / blue, white, so any rotation or flip is visible.
    static func quadrants(width: Int = 60, height: Int = 40) throws -> Image {
        try image(width: width, height: height) { x, y in
            switch (x < width / 2, y < height / 2) {
            case (true, true): red
            case (false, true): green
            case (true, false): blue
            case (false, false): white
            }
        }
    }

    /// Deterministic noise, so blocks and blurs have something to work on.
    static func noise(width: Int, height: Int, seed: UInt32 = 1) throws -> Image {
        var state = seed
        return try image(width: width, height: height) { _, _ in
            (0..<3).map { _ in
                state = state &* 1_664_525 &+ 1_013_904_223
                return UInt8(truncatingIfNeeded: state >> 24)
            }
        }
    }

    static func jpeg(_ image: Image, quality: Int = 95) throws -> [UInt8] {
        try image.encoded(EncodeOptions(format: .jpeg, quality: quality)).bytes
    }

    static func png(_ image: Image) throws -> [UInt8] {
        try image.encoded(EncodeOptions(format: .png)).bytes
    }

    /// Decodes encoded bytes with default limits, upright and in sRGB.
    static func decode(_ bytes: [UInt8]) throws -> Image {
        try ImageSource.open(bytes).decode()
    }

    /// True when every channel of `a` is within `tolerance` of `b`.
    static func close(_ a: [UInt8], _ b: [UInt8], tolerance: Int = 24) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs(Int($0) - Int($1)) <= tolerance }
    }
}

extension [UInt8] {
    /// True when `needle` occurs anywhere in these bytes.
    func contains(bytes needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, count >= needle.count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    func contains(ascii: String) -> Bool { contains(bytes: Array(ascii.utf8)) }
}
