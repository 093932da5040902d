import Foundation
import Imaging

/// The regions of an image that redaction hides: faces the detector found and boxes a person
/// drew, in fractions of the upright image. Detection runs once per image; every variant, every
/// reprocess and every on-the-fly URL of a stored image uses these.
public struct ImageRegions: Sendable, Codable, Equatable {
    public var regions: [Region]
    /// The faces in `regions` are the whole truth: the detector has run on this image, or a
    /// person replaced the regions. False until then, and a recipe that needs faces detects.
    public var facesDetected: Bool
    /// A person saved these regions through the API (the web UI's review).
    public var reviewed: Bool

    public init(regions: [Region] = [], facesDetected: Bool = false, reviewed: Bool = false) {
        self.regions = regions
        self.facesDetected = facesDetected
        self.reviewed = reviewed
    }

    /// Nothing known: no regions, faces not looked for.
    public static let none = ImageRegions()

    /// Regions a person drew, sent with an upload.
    public static func manual(_ regions: [Region]) -> ImageRegions {
        ImageRegions(
            regions: regions.map {
                var r = $0
                r.kind = .manual
                r.score = nil
                return r
            })
    }

    public var faces: [Region] { regions.filter { $0.kind == .face } }

    /// These regions with the detector's `faces` in place of any faces known before.
    public func withDetected(_ faces: [Region]) -> ImageRegions {
        ImageRegions(regions: regions.filter { $0.kind != .face } + faces, facesDetected: true, reviewed: reviewed)
    }
}

extension ImageRegions {
    /// The JSON a metadata store keeps in its `regions` column.
    public static func json(_ regions: ImageRegions) throws -> String {
        String(decoding: try JSONEncoder().encode(regions), as: UTF8.self)
    }

    /// From a `regions` column; NULL (a record made before regions existed) is `.none`.
    public init(json: String?) throws {
        guard let json, !json.isEmpty else {
            self = .none
            return
        }
        self = try JSONDecoder().decode(ImageRegions.self, from: Data(json.utf8))
    }
}
