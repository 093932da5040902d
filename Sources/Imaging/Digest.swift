import CLibVips

/// SHA-256 and HMAC-SHA256, from GLib (already linked through libvips), as lowercase hex.
public enum Digest {
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        let hex = bytes.withUnsafeBufferPointer { g_compute_checksum_for_data(G_CHECKSUM_SHA256, $0.baseAddress, gsize($0.count)) }
        defer { g_free(hex) }
        return hex.map { String(cString: $0) } ?? ""
    }

    public static func hmacSHA256Hex(key: [UInt8], message: [UInt8]) -> String {
        let hex = key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                g_compute_hmac_for_data(G_CHECKSUM_SHA256, k.baseAddress, gsize(k.count), m.baseAddress, gsize(m.count))
            }
        }
        defer { g_free(hex) }
        return hex.map { String(cString: $0) } ?? ""
    }
}
