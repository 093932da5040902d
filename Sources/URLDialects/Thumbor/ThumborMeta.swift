import Foundation

/// What a thumbor URL asks of the geometry, as written: what `/meta/…` describes. Kept apart
/// from `TransformSpec` because thumbor's answer names its own steps (crop in source pixels
/// first, then resize, then flips) and clamps its crop against the source, which only the
/// source's size can settle.
public struct ThumborGeometry: Sendable, Equatable {
    /// `AxB:CxD` as written.
    public struct Corners: Sendable, Equatable {
        public var left: Int
        public var top: Int
        public var right: Int
        public var bottom: Int
    }

    public var crop: Corners?
    /// Nil when the side is absent, 0 or `orig`: it follows the other side.
    public var width: Int?
    public var height: Int?
    public var fitIn = false
    public var full = false
    public var adaptive = false
    public var horizontal = "center"
    public var vertical = "middle"
    public var flipHorizontal = false
    public var flipVertical = false
    /// The image as the URL names it: thumbor's `source.url`.
    public var url = ""

    /// thumbor's `/meta` answer for a source of `width` × `height` (as displayed) with
    /// `frames` frames: the steps its transformer takes (`thumbor/transformer.py`: manual crop,
    /// target size, focal point from the alignment, auto crop, resize or fit-in resize, flips),
    /// with its rounding, and the size they end at.
    public func meta(sourceWidth: Int, sourceHeight: Int, frames: Int) -> ThumborMeta {
        var operations: [ThumborMeta.Operation] = []
        var (w, h) = (Double(sourceWidth), Double(sourceHeight))
        if let crop {
            let left = min(max(crop.left, 0), sourceWidth)
            let top = min(max(crop.top, 0), sourceHeight)
            let right = min(max(crop.right, 0), sourceWidth)
            let bottom = min(max(crop.bottom, 0), sourceHeight)
            if left < right && top < bottom {
                operations.append(.crop(left: left, top: top, right: right, bottom: bottom))
                (w, h) = (Double(right - left), Double(bottom - top))
            }
        }
        // Python's round() rounds halves to even.
        func pyRound(_ value: Double) -> Double { value.rounded(.toNearestOrEven) }
        var targetW: Double
        var targetH: Double
        if width == nil && height == nil {
            (targetW, targetH) = (w, h)
        } else {
            targetW = width.map(Double.init) ?? pyRound(Double(height!) * w / h)
            targetH = height.map(Double.init) ?? pyRound(Double(width!) * h / w)
        }
        let focal = ThumborMeta.FocalPoint(
            x: Int(w * Self.alignment[horizontal, default: 0.5]), y: Int(h * Self.alignment[vertical, default: 0.5]))
        if fitIn {
            if adaptive && ((w < h && targetW > targetH) || (w > h && targetW < targetH)) { swap(&targetW, &targetH) }
            let sign = full ? -1.0 : 1.0
            if !(sign == 1 && targetW >= w && targetH >= h) {
                let (resizeW, resizeH): (Double, Double)
                if w / targetW * sign >= h / targetH * sign {
                    (resizeW, resizeH) = (targetW, pyRound(h * targetW / w + 1e-5))
                } else {
                    (resizeW, resizeH) = (pyRound(w * targetH / h + 1e-5), targetH)
                }
                operations.append(.resize(width: Int(resizeW), height: Int(resizeH)))
            }
        } else {
            let (boxW, boxH) = (targetW == 0 ? 1 : targetW, targetH == 0 ? 1 : targetH)
            if pyRound(w / h * 100) != pyRound(boxW / boxH * 100) {
                let cropW: Double
                let cropH: Double
                if targetW / w > targetH / h {
                    (cropW, cropH) = (w, pyRound(w * targetH / boxW))
                } else {
                    (cropW, cropH) = (pyRound((targetW * h / boxH).rounded(.up)), h)
                }
                let left = Int(pyRound(min(max(Double(focal.x) - cropW / 2, 0), w - cropW)))
                let top = Int(pyRound(min(max(Double(focal.y) - cropH / 2, 0), h - cropH)))
                let right = min(left + Int(cropW), Int(w))
                let bottom = min(top + Int(cropH), Int(h))
                operations.append(.crop(left: left, top: top, right: right, bottom: bottom))
                (w, h) = (Double(right - left), Double(bottom - top))
            }
            if !(targetW == w && targetH == h) {
                operations.append(.resize(width: targetW == 0 ? 1 : Int(targetW), height: targetH == 0 ? 1 : Int(targetH)))
            }
        }
        if flipHorizontal { operations.append(.flipHorizontally) }
        if flipVertical { operations.append(.flipVertically) }
        // thumbor's JSON engine: the size of the last crop or resize, else the source's.
        var target = (sourceWidth, sourceHeight)
        for operation in operations {
            switch operation {
            case .crop(let left, let top, let right, let bottom): target = (right - left, bottom - top)
            case .resize(let width, let height): target = (width, height)
            case .flipHorizontally, .flipVertically: break
            }
        }
        return ThumborMeta(
            source: .init(url: url, width: sourceWidth, height: sourceHeight, frameCount: frames), operations: operations,
            target: .init(width: target.0, height: target.1), focalPoints: [focal])
    }

    static let alignment: [String: Double] = ["left": 0, "center": 0.5, "right": 1, "top": 0, "middle": 0.5, "bottom": 1]
}

/// thumbor's `/meta` JSON: `{"thumbor": {"source", "operations", "target", "focal_points"}}`.
public struct ThumborMeta: Sendable, Equatable, Encodable {
    public struct Source: Sendable, Equatable, Encodable {
        public var url: String
        public var width: Int
        public var height: Int
        public var frameCount: Int
    }

    public struct Size: Sendable, Equatable, Encodable {
        public var width: Int
        public var height: Int
    }

    public enum Operation: Sendable, Equatable, Encodable {
        case crop(left: Int, top: Int, right: Int, bottom: Int)
        case resize(width: Int, height: Int)
        case flipHorizontally, flipVertically

        private enum Keys: String, CodingKey { case type, left, top, right, bottom, width, height }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            switch self {
            case .crop(let left, let top, let right, let bottom):
                try c.encode("crop", forKey: .type)
                try c.encode(left, forKey: .left)
                try c.encode(top, forKey: .top)
                try c.encode(right, forKey: .right)
                try c.encode(bottom, forKey: .bottom)
            case .resize(let width, let height):
                try c.encode("resize", forKey: .type)
                try c.encode(width, forKey: .width)
                try c.encode(height, forKey: .height)
            case .flipHorizontally: try c.encode("flip_horizontally", forKey: .type)
            case .flipVertically: try c.encode("flip_vertically", forKey: .type)
            }
        }
    }

    /// Where the crop centres: thumbor's alignment point (Darkroom's `/meta` runs no detector).
    public struct FocalPoint: Sendable, Equatable, Encodable {
        public var x: Int
        public var y: Int
        public var z = 1.0
        public var height = 1
        public var width = 1
        public var origin = "alignment"
    }

    public var source: Source
    public var operations: [Operation]
    public var target: Size
    public var focalPoints: [FocalPoint]

    private enum Keys: String, CodingKey { case thumbor }
    private enum Inner: String, CodingKey {
        case source, operations, target
        case focalPoints = "focal_points"
    }

    public func encode(to encoder: any Encoder) throws {
        var outer = encoder.container(keyedBy: Keys.self)
        var c = outer.nestedContainer(keyedBy: Inner.self, forKey: .thumbor)
        try c.encode(source, forKey: .source)
        try c.encode(operations, forKey: .operations)
        try c.encode(target, forKey: .target)
        try c.encode(focalPoints, forKey: .focalPoints)
    }

    /// The JSON, or JSONP `callback(…);` when a callback is named.
    public func body(callback: String?) throws -> [UInt8] {
        let json = try JSONEncoder().encode(self)
        guard let callback else { return Array(json) }
        return Array("\(callback)(".utf8) + Array(json) + Array(");".utf8)
    }

    /// A JSONP callback must be a plain JavaScript name (dotted paths allowed), so the answer
    /// can never carry script of the caller's choosing.
    public static func validCallback(_ name: String) -> Bool {
        guard (1...64).contains(name.utf8.count), let first = name.unicodeScalars.first, first != ".", !("0"..."9").contains(first) else {
            return false
        }
        return name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_$.".unicodeScalars.contains($0)) }
    }
}
