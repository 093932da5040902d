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

extension DynamoValue {
    /// Any Codable value as an attribute a console can read: objects become maps, arrays lists,
    /// numbers `N`, booleans `BOOL`; nil members are left out. Nil when it does not encode.
    static func attribute(_ value: some Encodable) -> [String: Any]? {
        guard let data = try? JSONEncoder().encode(value), let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        else { return nil }
        return attribute(json: object)
    }

    static func attribute(json object: Any) -> [String: Any]? {
        switch object {
        case let map as [String: Any]: return ["M": map.compactMapValues { attribute(json: $0) }]
        case let list as [Any]: return ["L": list.compactMap { attribute(json: $0) }]
        case let text as String: return ["S": text]
        case let number as NSNumber:
            // JSONSerialization gives booleans as NSNumber too; their type code is 'c'.
            if number.objCType.pointee == CChar(UInt8(ascii: "c")) { return ["BOOL": number.boolValue] }
            return ["N": number.stringValue]
        default: return nil
        }
    }

    /// The attribute `name` of an item decoded as `T`; nil when absent or not a `T`.
    static func decoded<T: Decodable>(_ type: T.Type, _ item: [String: Any], _ name: String) -> T? {
        guard let attribute = item[name] as? [String: Any], let json = json(attribute),
            let data = try? JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed])
        else { return nil }
        return try? JSONDecoder().decode(T.self, from: data)
    }

    static func json(_ attribute: [String: Any]) -> Any? {
        if let map = attribute["M"] as? [String: Any] {
            return map.compactMapValues { ($0 as? [String: Any]).flatMap(json) }
        }
        if let list = attribute["L"] as? [Any] { return list.compactMap { ($0 as? [String: Any]).flatMap(json) } }
        if let text = attribute["S"] as? String { return text }
        if let number = attribute["N"] as? String { return Double(number).map { $0.rounded() == $0 && abs($0) < 1e15 ? Int($0) as Any : $0 as Any } }
        if let flag = attribute["BOOL"] as? Bool { return flag }
        return nil
    }
}
