/// A coding key for any string, so decoders can see every key a mapping has.
struct AnyKey: CodingKey, Hashable {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

typealias StrictContainer = KeyedDecodingContainer<AnyKey>

extension Decoder {
    /// A keyed container that refuses any key outside `allowed`, naming it and the choices.
    func strictContainer(allowed: [String]) throws -> StrictContainer {
        let container = try container(keyedBy: AnyKey.self)
        for key in container.allKeys where !allowed.contains(key.stringValue) {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: codingPath + [key],
                    debugDescription: "unknown field '\(key.stringValue)'; expected one of: \(allowed.joined(separator: ", "))"))
        }
        return container
    }
}

extension KeyedDecodingContainer where Key == AnyKey {
    func optional<T: Decodable>(_ type: T.Type, _ key: String) throws -> T? {
        try decodeIfPresent(type, forKey: AnyKey(key))
    }

    func required<T: Decodable>(_ type: T.Type, _ key: String) throws -> T {
        try decode(type, forKey: AnyKey(key))
    }

    /// Decodes an enum by raw value, listing the accepted values when it does not match.
    func choice<T: RawRepresentable & CaseIterable>(_ type: T.Type, _ key: String) throws -> T? where T.RawValue == String {
        guard let raw = try optional(String.self, key) else { return nil }
        guard let value = T(rawValue: raw) else {
            throw invalid(key, "'\(raw)' is not one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// An error for a value that decoded but makes no sense, pointing at its field.
    func invalid(_ key: String, _ message: String) -> DecodingError {
        DecodingError.dataCorrupted(.init(codingPath: codingPath + [AnyKey(key)], debugDescription: message))
    }

    /// Runs a validation from a lower layer, re-throwing its message at this field.
    func checked<T>(_ key: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DecodingError {
            throw error
        } catch let error as ImagingErrorMessage {
            throw invalid(key, error.message)
        }
    }
}

/// Anything with a message a person can act on; lets `checked` re-home errors from Imaging.
protocol ImagingErrorMessage: Error {
    var message: String { get }
}
