/// Reads just enough of an ICC profile to name it and to tell whether it describes sRGB.
enum ICCProfile {
    /// True when the profile's description (`desc`, as text or multi-localised Unicode) names
    /// sRGB, as "sRGB IEC61966-2.1", "sRGB built-in" and the like do.
    static func describesSRGB(_ profile: UnsafeRawBufferPointer) -> Bool {
        guard ByteReader(base: profile).ascii(at: 16, count: 4) == "RGB " else { return false }
        return description(profile)?.lowercased().contains("srgb") == true
    }

    /// The profile's description tag, trimmed and at most 128 characters; nil when it has none.
    /// Every offset is checked against the profile's bytes.
    static func description(_ profile: UnsafeRawBufferPointer) -> String? {
        let b = ByteReader(base: profile)
        guard let tags = b.u32be(at: 128), tags < 1000 else { return nil }
        for k in 0..<tags {
            let entry = 132 + k * 12
            guard b.ascii(at: entry, count: 4) == "desc", let offset = b.u32be(at: entry + 4), let size = b.u32be(at: entry + 8) else {
                continue
            }
            let text = descriptionText(b, offset: offset, size: size)
                .unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }
            let cleaned = String(String.UnicodeScalarView(text)).trimmingCharacters(in: .whitespaces)
            return cleaned.isEmpty ? nil : String(cleaned.prefix(128))
        }
        return nil
    }

    private static func descriptionText(_ b: ByteReader, offset: Int, size: Int) -> String {
        switch b.ascii(at: offset, count: 4) {
        case "desc":
            guard let length = b.u32be(at: offset + 8), length < size else { return "" }
            return b.ascii(at: offset + 12, count: length) ?? ""
        case "mluc":
            guard let length = b.u32be(at: offset + 20), let start = b.u32be(at: offset + 24), length < size else { return "" }
            var units: [UInt16] = []
            var i = offset + start
            while i + 2 <= offset + start + length, let unit = b.u16be(at: i) {
                units.append(UInt16(unit))
                i += 2
            }
            return String(decoding: units, as: UTF16.self)
        default:
            return ""
        }
    }
}
