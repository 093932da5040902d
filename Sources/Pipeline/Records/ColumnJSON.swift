import Foundation

/// How SQL metadata stores keep a record's structured parts (placeholder, facts) in a TEXT
/// column: JSON, NULL for none.
public enum ColumnJSON {
    public static func encode(_ value: (some Encodable)?) throws -> String? {
        try value.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
    }

    /// NULL (none, or a record from before the column) is nil, and so is a value this version
    /// cannot read: these parts are never worth failing a record's read for.
    public static func decode<T: Decodable>(_ type: T.Type, _ json: String?) -> T? {
        guard let json, !json.isEmpty else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(json.utf8))
    }
}
