import Foundation
import Testing

@testable import Composition

/// The docs stay true: the configuration page is the one list of keys, the loader reads exactly
/// those keys, every link between pages resolves (anchors included), and every page is reachable
/// from the README.
@Suite(.timeLimit(.minutes(10))) struct DocsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func theConfigurationPageIsTheListOfKeys() throws {
        let page = try Self.read("docs/configuration.md")
        let begin = try #require(page.range(of: "<!-- keys:begin -->\n"))
        let end = try #require(page.range(of: "\n<!-- keys:end -->"))
        #expect(String(page[begin.upperBound..<end.lowerBound]) == ConfigurationKey.markdownTable, "run `make docs`")
    }

    @Test func theLoaderReadsExactlyTheListedKeys() throws {
        let loader = try Self.read("Sources/Composition/DarkroomConfiguration+Loading.swift")
        let pattern = try NSRegularExpression(pattern: #"reader\.(?:string|int|bool|list)\("([A-Za-z0-9.]+)"\)"#)
        let read = Set(
            pattern.matches(in: loader, range: NSRange(loader.startIndex..., in: loader)).compactMap { match in
                Range(match.range(at: 1), in: loader).map { String(loader[$0]) }
            })
        let listed = Set(ConfigurationKey.all.map(\.name))
        #expect(read.subtracting(listed).isEmpty, "read but not listed: \(read.subtracting(listed).sorted())")
        #expect(listed.subtracting(read).isEmpty, "listed but never read: \(listed.subtracting(read).sorted())")
        #expect(ConfigurationKey.all.count == listed.count, "a key is listed twice")
    }

    /// Every Markdown page of the project: the README, SECURITY, CONTRIBUTING and docs/.
    static func pages() throws -> [String] {
        let docs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path).filter { $0.hasSuffix(".md") }
        return ["README.md", "SECURITY.md", "CONTRIBUTING.md"] + docs.sorted().map { "docs/\($0)" }
    }

    /// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.
    static func anchor(_ heading: String) -> String {
        let kept = heading.lowercased().unicodeScalars.filter {
            CharacterSet.alphanumerics.contains($0) || $0 == " " || $0 == "-" || $0 == "_"
        }
        return String(String.UnicodeScalarView(kept)).replacingOccurrences(of: " ", with: "-")
    }

    static func anchors(_ text: String) -> Set<String> {
        var inFence = false
        var found: Set<String> = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { inFence.toggle() }
            guard !inFence, line.hasPrefix("#") else { continue }
            found.insert(anchor(String(line.drop(while: { $0 == "#" })).trimmingCharacters(in: .whitespaces)))
        }
        return found
    }

    /// The relative links of a page, outside code blocks.
    static func links(_ text: String) -> [String] {
        var inFence = false
        var prose = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                inFence.toggle()
                continue
            }
            if !inFence { prose += line.replacingOccurrences(of: #"`[^`]*`"#, with: "", options: .regularExpression) + "\n" }
        }
        let pattern = try! NSRegularExpression(pattern: #"\]\(([^)\s]+)\)"#)
        return pattern.matches(in: prose, range: NSRange(prose.startIndex..., in: prose)).compactMap { match in
            Range(match.range(at: 1), in: prose).map { String(prose[$0]) }
        }.filter { !$0.hasPrefix("http://") && !$0.hasPrefix("https://") && !$0.hasPrefix("mailto:") }
    }

    /// `link` (a relative path) from the page `page`, as a path from the project root.
    static func resolve(_ link: String, from page: String) -> String {
        var parts = page.split(separator: "/").dropLast().map(String.init)
        for part in link.split(separator: "/").map(String.init) {
            if part == ".." { _ = parts.popLast() } else if part != "." { parts.append(part) }
        }
        return parts.joined(separator: "/")
    }

    @Test func everyLinkBetweenPagesResolves() throws {
        var broken: [String] = []
        for page in try Self.pages() {
            let text = try Self.read(page)
            for link in Self.links(text) {
                let parts = link.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let file = parts[0].isEmpty ? page : Self.resolve(parts[0], from: page)
                let target = Self.root.appendingPathComponent(file).standardizedFileURL
                guard FileManager.default.fileExists(atPath: target.path) else {
                    broken.append("\(page): \(link) (no file \(file))")
                    continue
                }
                if parts.count == 2, file.hasSuffix(".md"), !Self.anchors(try String(contentsOf: target, encoding: .utf8)).contains(parts[1]) {
                    broken.append("\(page): \(link) (no heading #\(parts[1]) in \(file))")
                }
            }
        }
        #expect(broken.isEmpty, "\(broken.joined(separator: "\n"))")
    }

    @Test func everyPageIsReachableFromTheREADME() throws {
        var seen: Set<String> = ["README.md"]
        var queue = ["README.md"]
        while let page = queue.popLast() {
            for link in Self.links(try Self.read(page)) {
                let file = String(link.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0])
                guard file.hasSuffix(".md") else { continue }
                let resolved = Self.resolve(file, from: page)
                if seen.insert(resolved).inserted { queue.append(resolved) }
            }
        }
        let unreachable = Set(try Self.pages()).subtracting(seen)
        #expect(unreachable.isEmpty, "not linked from anywhere the README leads: \(unreachable.sorted())")
    }

    @Test func theREADMEIsAFrontPage() throws {
        let lines = try Self.read("README.md").split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(lines <= 150, "the README has \(lines) lines; topics belong in docs/")
    }
}
