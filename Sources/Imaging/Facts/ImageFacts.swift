import CLibVips
import CVips
import Foundation

/// What an image is, read from its header and metadata without decoding pixels: its shape and
/// colour, and the EXIF people filter on, as typed fields.
public struct ImageFacts: Sendable, Codable, Equatable {
    public var format: String
    /// As displayed, after the EXIF orientation.
    public var width: Int
    public var height: Int
    public var frames: Int
    /// Each frame's delay in milliseconds, for animations.
    public var delays: [Int]?
    public var hasAlpha: Bool
    /// libvips's interpretation of the stored pixels: `srgb`, `b-w`, `cmyk`, `rgb16`, `grey16`, …
    public var colorSpace: String
    /// Bits per sample as stored: 8, 16 or 32.
    public var bitDepth: Int
    /// The embedded ICC profile's description, when there is one.
    public var iccProfile: String?
    /// EXIF orientation as stored, 1 to 8.
    public var orientation: Int
    public var camera: Camera?
    /// When the photo was taken (EXIF DateTimeOriginal, else DateTimeDigitized or DateTime),
    /// `YYYY-MM-DDTHH:MM:SS`, with the offset when the file gives one.
    public var takenAt: String?
    public var exposure: Exposure?
    /// The original carried a GPS position. The position itself is in `gps` only when
    /// `metadata.keepGps` is set.
    public var hasGPS: Bool
    public var gps: GPSPosition?

    public struct Camera: Sendable, Codable, Equatable {
        public var make: String? = nil
        public var model: String? = nil
        public var lens: String? = nil

        public init(make: String? = nil, model: String? = nil, lens: String? = nil) {
            (self.make, self.model, self.lens) = (make, model, lens)
        }
    }

    public struct Exposure: Sendable, Codable, Equatable {
        /// Seconds.
        public var time: Double? = nil
        public var fNumber: Double? = nil
        public var iso: Int? = nil
        /// Millimetres.
        public var focalLength: Double? = nil

        public init(time: Double? = nil, fNumber: Double? = nil, iso: Int? = nil, focalLength: Double? = nil) {
            (self.time, self.fNumber, self.iso, self.focalLength) = (time, fNumber, iso, focalLength)
        }
    }

    public struct GPSPosition: Sendable, Codable, Equatable {
        public var latitude: Double
        public var longitude: Double
        /// Metres above sea level.
        public var altitude: Double?

        public init(latitude: Double, longitude: Double, altitude: Double?) {
            (self.latitude, self.longitude, self.altitude) = (latitude, longitude, altitude)
        }
    }

    public init(
        format: String, width: Int, height: Int, frames: Int, delays: [Int]?, hasAlpha: Bool, colorSpace: String, bitDepth: Int,
        iccProfile: String?, orientation: Int, camera: Camera?, takenAt: String?, exposure: Exposure?, hasGPS: Bool, gps: GPSPosition?
    ) {
        (self.format, self.width, self.height, self.frames, self.delays) = (format, width, height, frames, delays)
        (self.hasAlpha, self.colorSpace, self.bitDepth, self.iccProfile, self.orientation) = (hasAlpha, colorSpace, bitDepth, iccProfile, orientation)
        (self.camera, self.takenAt, self.exposure, self.hasGPS, self.gps) = (camera, takenAt, exposure, hasGPS, gps)
    }

    /// The same facts without the position (the default: GPS is private).
    public var withoutGPS: ImageFacts {
        var facts = self
        facts.gps = nil
        return facts
    }
}

extension ImageSource {
    /// The source's facts, from libvips's lazy header read (no pixels are decoded).
    public func facts() throws -> ImageFacts {
        let loaded = try Self.load(bytes, format: header.format, shrink: 1, sequential: true)
        let image = loaded.pointer
        let exif = EXIFFields(image)
        let bitDepth: Int
        switch vips_image_get_format(image) {
        case VIPS_FORMAT_UCHAR, VIPS_FORMAT_CHAR: bitDepth = 8
        case VIPS_FORMAT_USHORT, VIPS_FORMAT_SHORT: bitDepth = 16
        default: bitDepth = 32
        }
        var delays: [Int]?
        if header.frames > 1 {
            var values = [Int32](repeating: 0, count: min(header.frames, 10_000))
            let found = Int(dr_get_delays(image, &values, Int32(values.count)))
            if found > 0 { delays = values.prefix(found).map(Int.init) }
        }
        var iccDescription: String?
        var data: UnsafeRawPointer?
        var length = 0
        if dr_get_blob(image, "icc-profile-data", &data, &length) == 0, let data, length > 0 {
            iccDescription = ICCProfile.description(UnsafeRawBufferPointer(start: data, count: length))
        }
        let camera = ImageFacts.Camera(make: exif.text("ifd0-Make"), model: exif.text("ifd0-Model"), lens: exif.text("ifd2-LensModel"))
        let exposure = ImageFacts.Exposure(
            time: exif.number("ifd2-ExposureTime"), fNumber: exif.number("ifd2-FNumber"),
            iso: exif.number("ifd2-ISOSpeedRatings").map { Int($0) }, focalLength: exif.number("ifd2-FocalLength"))
        let position = exif.gps
        return ImageFacts(
            format: header.format.rawValue, width: header.orientedWidth, height: header.orientedHeight, frames: header.frames,
            delays: delays, hasAlpha: vips_image_hasalpha(image) != 0, colorSpace: Self.name(of: vips_image_get_interpretation(image)),
            bitDepth: bitDepth, iccProfile: iccDescription, orientation: header.orientation,
            camera: camera == ImageFacts.Camera() ? nil : camera,
            takenAt: exif.takenAt, exposure: exposure == ImageFacts.Exposure() ? nil : exposure,
            hasGPS: position != nil || exif.has("ifd3-GPSLatitude") || exif.has("ifd3-GPSLongitude"), gps: position)
    }

    static func name(of interpretation: VipsInterpretation) -> String {
        switch interpretation {
        case VIPS_INTERPRETATION_sRGB: "srgb"
        case VIPS_INTERPRETATION_RGB: "rgb"
        case VIPS_INTERPRETATION_RGB16: "rgb16"
        case VIPS_INTERPRETATION_B_W: "b-w"
        case VIPS_INTERPRETATION_GREY16: "grey16"
        case VIPS_INTERPRETATION_CMYK: "cmyk"
        case VIPS_INTERPRETATION_LAB: "lab"
        case VIPS_INTERPRETATION_scRGB: "scrgb"
        case VIPS_INTERPRETATION_XYZ: "xyz"
        case VIPS_INTERPRETATION_MULTIBAND: "multiband"
        default: "other"
        }
    }
}

/// The EXIF fields libvips (through libexif) parsed, as `exif-ifdN-Name` strings of the form
/// `raw (human, Type, N components, M bytes)`. Every value is bounded and checked here: a
/// hostile file's fields are text, never trusted as numbers until they parse.
struct EXIFFields {
    let image: UnsafeMutablePointer<VipsImage>

    init(_ image: UnsafeMutablePointer<VipsImage>) { self.image = image }

    func has(_ name: String) -> Bool { vips_image_get_typeof(image, "exif-" + name) != 0 }

    /// The raw part of a field: what precedes its `(human, Type, N components, M bytes)`.
    func raw(_ name: String) -> String? {
        guard has(name) else { return nil }
        var value: UnsafePointer<CChar>?
        guard vips_image_get_string(image, "exif-" + name, &value) == 0, let value else {
            _ = Vips.takeError()
            return nil
        }
        let text = String(cString: value)
        guard text.utf8.count <= 4096 else { return nil }
        if let range = text.range(of: #" \((.*), [A-Za-z]+, \d+ components, \d+ bytes\)$"#, options: .regularExpression) {
            return String(text[..<range.lowerBound])
        }
        return text
    }

    /// A text field, trimmed, without control characters, at most 128 characters; nil if empty.
    func text(_ name: String) -> String? {
        guard let raw = raw(name) else { return nil }
        let cleaned = String(
            String.UnicodeScalarView(raw.unicodeScalars.filter { !$0.properties.isNoncharacterCodePoint && $0.value >= 0x20 && $0.value != 0x7F })
        )
        .trimmingCharacters(in: .whitespaces)
        return cleaned.isEmpty ? nil : String(cleaned.prefix(128))
    }

    /// A single number: an integer or a rational `n/d` (d ≠ 0), finite and non-negative.
    func number(_ name: String) -> Double? {
        guard let raw = raw(name), let value = Self.rational(raw.trimmingCharacters(in: .whitespaces)) else { return nil }
        return value >= 0 && value.isFinite ? value : nil
    }

    static func rational(_ text: Substring) -> Double? { rational(String(text)) }

    static func rational(_ text: String) -> Double? {
        let parts = text.split(separator: "/")
        if parts.count == 1 { return Double(parts[0]) }
        guard parts.count == 2, let n = Double(parts[0]), let d = Double(parts[1]), d != 0 else { return nil }
        return n / d
    }

    /// `YYYY:MM:DD HH:MM:SS` as ISO 8601, with `±HH:MM` when an offset field gives one.
    var takenAt: String? {
        for (field, offset) in [
            ("ifd2-DateTimeOriginal", "ifd2-OffsetTimeOriginal"), ("ifd2-DateTimeDigitized", "ifd2-OffsetTimeDigitized"),
            ("ifd0-DateTime", "ifd2-OffsetTime"),
        ] {
            guard let raw = text(field), let date = Self.isoDate(raw) else { continue }
            if let zone = text(offset), zone.range(of: #"^[+-]\d{2}:\d{2}$"#, options: .regularExpression) != nil { return date + zone }
            return date
        }
        return nil
    }

    static func isoDate(_ raw: String) -> String? {
        guard raw.range(of: #"^\d{4}:\d{2}:\d{2} \d{2}:\d{2}:\d{2}$"#, options: .regularExpression) != nil else { return nil }
        let chars = Array(raw)
        guard let month = Int(String(chars[5...6])), (1...12).contains(month), let day = Int(String(chars[8...9])), (1...31).contains(day),
            let hour = Int(String(chars[11...12])), hour < 24, let minute = Int(String(chars[14...15])), minute < 60,
            let second = Int(String(chars[17...18])), second < 61
        else { return nil }
        return String(chars[0...3]) + "-" + String(chars[5...6]) + "-" + String(chars[8...9]) + "T" + String(chars[11...18])
    }

    /// Degrees, minutes and seconds as three rationals, with N/S or E/W.
    func coordinate(_ name: String, negative: Character) -> Double? {
        guard let raw = raw(name) else { return nil }
        let parts = raw.split(separator: " ").compactMap(Self.rational)
        guard parts.count == 3, parts.allSatisfy({ $0 >= 0 && $0.isFinite }) else { return nil }
        let value = parts[0] + parts[1] / 60 + parts[2] / 3600
        let reference = text(name + "Ref")?.uppercased().first
        return reference == negative ? -value : value
    }

    var gps: ImageFacts.GPSPosition? {
        guard let latitude = coordinate("ifd3-GPSLatitude", negative: "S"), let longitude = coordinate("ifd3-GPSLongitude", negative: "W"),
            abs(latitude) <= 90, abs(longitude) <= 180
        else { return nil }
        var altitude = number("ifd3-GPSAltitude")
        if raw("ifd3-GPSAltitudeRef")?.trimmingCharacters(in: .whitespaces) == "1", let value = altitude { altitude = -value }
        return ImageFacts.GPSPosition(latitude: latitude, longitude: longitude, altitude: altitude)
    }
}
