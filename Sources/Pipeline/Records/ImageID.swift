import Foundation

/// Image ids: 26 characters of Crockford base32 holding a millisecond timestamp then 80 random
/// bits (the ULID layout), so ids sort by creation time and "newest first" is "largest first".
public enum ImageID {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")

    public static func generate(at date: Date = Date()) -> String {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var random = SystemRandomNumberGenerator()
        let high = UInt16.random(in: .min ... .max, using: &random)
        let low = UInt64.random(in: .min ... .max, using: &random)
        // 48 bits of time, 80 of randomness: 128 bits, written as 26 five-bit digits.
        var bits = [Bool]()
        bits.reserveCapacity(130)
        bits += [false, false]
        for shift in stride(from: 47, through: 0, by: -1) { bits.append(millis >> UInt64(shift) & 1 == 1) }
        for shift in stride(from: 15, through: 0, by: -1) { bits.append(high >> UInt16(shift) & 1 == 1) }
        for shift in stride(from: 63, through: 0, by: -1) { bits.append(low >> UInt64(shift) & 1 == 1) }
        return String(
            stride(from: 0, to: 130, by: 5).map { start in
                alphabet[bits[start..<(start + 5)].reduce(0) { $0 << 1 | ($1 ? 1 : 0) }]
            })
    }

    /// True for strings this generator could have made, and for UUIDs (`8-4-4-4-12` hex), the
    /// ids a web app gives the records it writes first and passes on in `x-amz-meta-image-id`
    /// (`DropIngestor`). Anything else is never looked up.
    public static func isValid(_ id: String) -> Bool {
        if id.count == 26 { return id.allSatisfy { alphabet.contains($0) } }
        return id.count == 36 && UUID(uuidString: id) != nil
    }
}
