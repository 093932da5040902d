import Foundation

/// DynamoDB attribute values (`["S": text]`, `["N": "12"]`, `["L": […]]`, `["M": {…}]`), both ways.
enum DynamoValue {
    static func s(_ value: String) -> [String: Any] { ["S": value] }
    static func n(_ value: Int) -> [String: Any] { ["N": String(value)] }
    static func n(_ value: Double) -> [String: Any] { ["N": String(value)] }

    static func string(_ item: [String: Any], _ name: String) -> String? {
        (item[name] as? [String: Any])?["S"] as? String
    }

    static func int(_ item: [String: Any], _ name: String) -> Int? {
        ((item[name] as? [String: Any])?["N"] as? String).flatMap { Int($0) ?? Double($0).map { Int($0) } }
    }

    static func double(_ item: [String: Any], _ name: String) -> Double? {
        ((item[name] as? [String: Any])?["N"] as? String).flatMap(Double.init)
    }

    static func bool(_ item: [String: Any], _ name: String) -> Bool? {
        (item[name] as? [String: Any])?["BOOL"] as? Bool
    }

    static func list(_ item: [String: Any], _ name: String) -> [[String: Any]] {
        ((item[name] as? [String: Any])?["L"] as? [[String: Any]] ?? []).compactMap { $0["M"] as? [String: Any] }
    }

    static func strings(_ item: [String: Any], _ name: String) -> [String]? {
        ((item[name] as? [String: Any])?["L"] as? [[String: Any]])?.compactMap { $0["S"] as? String }
    }
}
