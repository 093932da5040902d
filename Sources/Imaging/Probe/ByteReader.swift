#if canImport(Glibc)
    import Glibc
#endif

/// Bounds-checked reads from untrusted bytes. Every accessor returns nil past the end instead
/// of trapping, so a header parser can never read outside its input.
struct ByteReader {
    let base: UnsafeRawBufferPointer

    var count: Int { base.count }

    subscript(_ i: Int) -> UInt8 { base[i] }

    func u8(at i: Int) -> Int? {
        i >= 0 && i < count ? Int(base[i]) : nil
    }

    func u16be(at i: Int) -> Int? {
        guard i >= 0, i + 2 <= count else { return nil }
        return Int(base[i]) << 8 | Int(base[i + 1])
    }

    func u16le(at i: Int) -> Int? {
        guard i >= 0, i + 2 <= count else { return nil }
        return Int(base[i + 1]) << 8 | Int(base[i])
    }

    func u24le(at i: Int) -> Int? {
        guard i >= 0, i + 3 <= count else { return nil }
        return Int(base[i + 2]) << 16 | Int(base[i + 1]) << 8 | Int(base[i])
    }

    func u32be(at i: Int) -> Int? {
        guard i >= 0, i + 4 <= count else { return nil }
        return Int(base[i]) << 24 | Int(base[i + 1]) << 16 | Int(base[i + 2]) << 8 | Int(base[i + 3])
    }

    func u32le(at i: Int) -> Int? {
        guard i >= 0, i + 4 <= count else { return nil }
        return Int(base[i + 3]) << 24 | Int(base[i + 2]) << 16 | Int(base[i + 1]) << 8 | Int(base[i])
    }

    func u64be(at i: Int) -> Int? {
        guard let high = u32be(at: i), let low = u32be(at: i + 4), high < 0x7FFF_FFFF else { return nil }
        return high << 32 | low
    }

    func ascii(at i: Int, count n: Int) -> String? {
        guard i >= 0, n >= 0, i + n <= count else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: base[i..<(i + n)]), as: UTF8.self)
    }

    /// A four-character code, such as a PNG chunk or ISO box type, named for a message: quoted
    /// when it is printable ASCII, "an unreadable" otherwise, so garbage never reaches a person.
    func describeFourCC(at i: Int) -> String {
        guard i >= 0, i + 4 <= count, (i..<(i + 4)).allSatisfy({ (0x20...0x7E).contains(base[$0]) }),
            let text = ascii(at: i, count: 4)
        else { return "an unreadable" }
        return "the '\(text)'"
    }

    func matches(_ bytes: [UInt8], at i: Int) -> Bool {
        guard i >= 0, i + bytes.count <= count else { return false }
        for (k, byte) in bytes.enumerated() where base[i + k] != byte { return false }
        return true
    }

    func starts(with bytes: [UInt8]) -> Bool { matches(bytes, at: 0) }

    /// The offset of the first `byte` at or after `start`, or nil.
    func index(of byte: UInt8, from start: Int) -> Int? {
        guard start >= 0, start < count, let base = base.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), count - start) else { return nil }
        return UnsafeRawPointer(found) - base
    }
}
