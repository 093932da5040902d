import Foundation
import Imaging

extension Placeholder {
    /// The JSON a SQL metadata store keeps in its `placeholder` column; NULL for none.
    public static func json(_ placeholder: Placeholder?) throws -> String? {
        try placeholder.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
    }

    /// From a `placeholder` column. NULL (none made, or a record from before placeholders) is
    /// nil, and so is a value this version cannot read: a placeholder is never worth failing a
    /// record's read for.
    public static func from(json: String?) -> Placeholder? {
        guard let json, !json.isEmpty else { return nil }
        return try? JSONDecoder().decode(Placeholder.self, from: Data(json.utf8))
    }
}
