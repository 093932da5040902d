import Imaging

extension Variant {
    /// The redactions this variant asks for, in order.
    var redactions: [Redaction] {
        operations.compactMap { if case .redact(let redaction) = $0 { redaction } else { nil } }
    }

    /// True when the variant cannot be made without knowing the image's faces: it redacts them.
    var needsFaces: Bool { redactions.contains(where: \.faces) }

    /// True when the variant centres on faces: it uses them when they can be found, and falls
    /// back to `smart` when they cannot.
    var wantsFaces: Bool { operations.contains(where: \.usesFaceGravity) }

    /// True when the variant reads the image's regions at all.
    var usesRegions: Bool { !redactions.isEmpty || operations.contains(where: \.usesFaceGravity) }
}

extension Recipe {
    /// True when some variant redacts faces: detection runs first (once), unless they are known,
    /// and its failure fails the render.
    public var needsFaces: Bool { variants.contains(where: \.needsFaces) }

    /// True when some variant centres on faces (best effort).
    public var wantsFaces: Bool { variants.contains(where: \.wantsFaces) }

    /// True when some variant redacts or centres on faces.
    public var usesRegions: Bool { variants.contains(where: \.usesRegions) }
}

/// Finds the faces of an upright decode when the recipe needs them and they are not known yet.
/// Fails closed: no detector, or a detector that fails, is an error, never a variant without its
/// redaction.
struct RegionResolver {
    let detector: (any FaceDetector)?

    func resolve(_ known: ImageRegions, for recipe: Recipe, decoded: @autoclosure () throws -> Image) throws -> ImageRegions {
        guard !known.facesDetected else { return known }
        if !recipe.needsFaces {
            // Only a `faces` gravity wants them: without a detector, or when it fails, the crop
            // falls back to `smart`. A detector crash still ends the render, like any crash.
            guard recipe.wantsFaces, let detector, let image = try? decoded(), let faces = try? detector.faces(in: image) else { return known }
            return known.withDetected(faces)
        }
        guard let detector else {
            throw ImagingError.detectionFailed("no face detector is installed on this server (faces.detector is off, or its model was not found)")
        }
        let faces: [Region]
        do {
            faces = try detector.faces(in: try decoded())
        } catch let error as ImagingError where error.kind == .detectionFailed || error.isClientError {
            throw error
        } catch {
            throw ImagingError.detectionFailed("the detector failed", detail: "\(error)")
        }
        return known.withDetected(faces)
    }
}

extension Image {
    /// The variant's redactions applied to this whole upright frame. `scale` is this image's
    /// pixels per output pixel.
    func redacted(for variant: Variant, regions: ImageRegions, scale: Double) throws -> Image {
        var image = self
        for redaction in variant.redactions {
            image = try image.redacted(redaction.selecting(regions.regions), mode: redaction.mode, scale: scale)
        }
        return image
    }
}
