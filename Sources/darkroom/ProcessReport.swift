import Foundation
import Imaging

/// One line of `process --json` output: the outcome for one input.
struct ProcessReport: Codable, Sendable {
    struct VariantReport: Codable, Sendable {
        var name: String
        var path: String
        var width: Int
        var height: Int
        var bytes: Int
        var format: String
        /// What `quality: auto` or `maxBytes` chose.
        var quality: QualityChoice?
    }

    var input: String
    /// `completed` or `failed`.
    var status: String
    var error: String?
    var variants: [VariantReport]

    static func failed(_ input: String, _ message: String) -> ProcessReport {
        ProcessReport(input: input, status: "failed", error: message, variants: [])
    }

    var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
