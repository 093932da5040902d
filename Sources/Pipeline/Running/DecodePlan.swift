import Imaging

/// How much of the source a recipe needs, so the decode can shrink on load: the largest
/// fraction of the upright source that any variant's first resize asks for.
extension Recipe {
    public func neededScale(orientedWidth width: Int, orientedHeight height: Int) -> Double {
        variants.map { $0.neededScale(width: width, height: height) }.max() ?? 1
    }
}

extension Variant {
    /// Steps before the first resize that keep every pixel (rotate, flip, grayscale) are walked
    /// through; any other step, or no resize at all, needs the full-resolution source.
    func neededScale(width: Int, height: Int) -> Double {
        var (w, h) = (width, height)
        for operation in operations {
            switch operation {
            case .resize(let request): return min(1, request.neededScale(width: w, height: h))
            case .pixelateTo(let size): return min(1, Resize(width: size, height: size, fit: .fill).neededScale(width: w, height: h))
            case .rotate(let degrees): if (degrees / 90) % 2 != 0 { (w, h) = (h, w) }
            case .flip, .grayscale, .redact: continue
            default: return 1
            }
        }
        return 1
    }
}
