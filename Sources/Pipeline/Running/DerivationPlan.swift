import Imaging

/// The order a recipe's variants are made in, and which of them leave an intermediate behind.
///
/// Variants run from the largest to the smallest. A variant whose first step is a whole-frame
/// resize (`fit: inside`) keeps that resized image in memory when a smaller variant follows,
/// and the smaller one starts from it instead of from the full decode: 1600 → 800 → 150 costs
/// far less than three resizes of the decode, as Pillow's chained thumbnails show.
struct DerivationPlan {
    /// Variant indices in the order to make them.
    let order: [Int]
    /// Each variant's needed fraction of the upright source, by variant index.
    let neededScales: [Double]
    /// Variants whose first resize is kept as a source for later variants.
    let keepsStage: Set<Int>
    /// True when exactly one variant reads the decode and keeps a stage that every later
    /// variant can start from, so the decode can stream into it without being held in memory.
    let streamsDecode: Bool

    /// `keepsAWholeFrame`: something after the variants needs a whole upright frame (the
    /// placeholder), so a decode may stream only into a stage that is kept.
    init(recipe: Recipe, orientedWidth: Int, orientedHeight: Int, keepsAWholeFrame: Bool = false) {
        let scales = recipe.variants.map { $0.neededScale(width: orientedWidth, height: orientedHeight) }
        let order = scales.indices.sorted { scales[$0] > scales[$1] || (scales[$0] == scales[$1] && $0 < $1) }
        var keeps: Set<Int> = []
        for (position, index) in order.enumerated() {
            guard case .resize(let request)? = recipe.variants[index].operations.first, request.keepsWholeFrame else { continue }
            if order[(position + 1)...].contains(where: { scales[$0] < scales[index] && scales[$0] < 1 }) {
                keeps.insert(index)
            }
        }
        self.order = order
        self.neededScales = scales
        self.keepsStage = keeps
        // The first variant reads the decode; the rest can skip it if the first keeps a stage at
        // least as large as each of them needs. Regions need the decode whole: the detector
        // reads it, and redaction pastes into it.
        if recipe.usesRegions {
            streamsDecode = false
        } else if let first = order.first, keeps.contains(first) {
            streamsDecode = order.dropFirst().allSatisfy { scales[$0] <= scales[first] && scales[$0] < 1 }
        } else if recipe.variants.count == 1, !keepsAWholeFrame, let first = recipe.variants[0].operations.first {
            // A lone variant streams only into a step that reads the source top to bottom once;
            // crops at a gravity, smart crops, rotations and flips need random access.
            switch first {
            case .resize(let request): streamsDecode = request.fit != .cover
            case .pixelateTo, .grayscale: streamsDecode = true
            default: streamsDecode = false
            }
        } else {
            streamsDecode = false
        }
    }
}

/// An in-memory image of the whole upright frame at some scale, that variants can start from.
struct Stage {
    let image: Image
    /// The image's width as a fraction of the upright source's width.
    let scale: Double
}

extension [Stage] {
    /// The smallest stage that still has at least `needed` of the source's resolution.
    func smallest(covering needed: Double) -> Image? {
        filter { $0.scale + 1e-9 >= needed }.min { $0.scale < $1.scale }?.image
    }
}
