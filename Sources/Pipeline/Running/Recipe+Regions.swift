import Imaging

extension Variant {
    /// The redactions this variant asks for, in order.
    var redactions: [Redaction] {
        operations.compactMap { if case .redact(let redaction) = $0 { redaction } else { nil } }
    }

    /// True when the variant cannot be made without knowing the image's faces.
    var needsFaces: Bool { redactions.contains(where: \.faces) || operations.contains(where: \.usesFaceGravity) }

    /// True when the variant reads the image's regions at all.
    var usesRegions: Bool { !redactions.isEmpty || operations.contains(where: \.usesFaceGravity) }
}

extension Recipe {
    /// True when some variant needs the faces: detection runs first (once), unless they are known.
    public var needsFaces: Bool { variants.contains(where: \.needsFaces) }

    /// True when some variant redacts or centres on faces.
    public var usesRegions: Bool { variants.contains(where: \.usesRegions) }
}

/// Finds the faces of an upright decode when the recipe needs them and they are not known yet.
/// Fails closed: no detector, or a detector that fails, is an error, never a variant without its
/// redaction.
struct RegionResolver {
    let detector: (any FaceDetector)?

    func resolve(_ known: ImageRegions, for recipe: Recipe, decoded: @autoclosure () throws -> Image) throws -> ImageRegions {
        guard recipe.needsFaces, !known.facesDetected else { return known }
        guard let detector else { throw ImagingError.detectionFailed("no face detector is installed on this server (faces.detector is off, or its model was not found)") }
        let faces: [Region]
        do {
            faces = try detector.faces(in: try decoded())
        } catch let error as ImagingError where error.kind == .detectionFailed {
            throw error
        } catch let error as ImagingError where error.isClientError {
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
