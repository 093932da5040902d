import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Composition
@testable import Server

/// The files behind the web UI. The page itself is tested in Chromium by e2e/test_web_ui.py.
@Suite(.timeLimit(.minutes(10))) struct WebUITests {
    @Test func thePageAndEveryFileItNamesAreServedWithTheirTypes() async throws {
        let fixture = try await ServerFixture { $0.apiKeys = ["k3y-for-tests-0123456789"] }
        try await fixture.test { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok, "the page is open even when the API needs a key: it asks for one")
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            let html = String(buffer: page.body)
            #expect(html.contains(#"<script type="module" src="/ui/app.js">"#))
            #expect(!html.contains("https://"), "nothing comes from the network")
            let expected = ["app.js": "text/javascript", "app.css": "text/css", "icon.svg": "image/svg+xml", "api.js": "text/javascript"]
            for (name, type) in expected {
                let response = try await client.execute(uri: "/ui/\(name)", method: .get)
                #expect(response.status == .ok, "\(name)")
                #expect(response.headers[.contentType]?.hasPrefix(type) == true, "\(name)")
            }
            let app = String(buffer: try await client.execute(uri: "/ui/app.js", method: .get).body)
            for module in ["api.js", "dom.js", "detail.js", "gallery.js", "live.js", "uploader.js"] {
                #expect(app.contains("./\(module)") || module == "dom.js", "app.js imports \(module)")
                #expect(try await client.execute(uri: "/ui/\(module)", method: .get).status == .ok, "\(module)")
            }
        }
    }

    @Test func unknownNamesAreNotFoundAndNothingOutsideTheFolderIsReachable() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            for uri in ["/ui/missing.js", "/ui/..%2FPackage.swift", "/ui/%2e%2e%2fopenapi.yaml", "/ui/"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .notFound, "\(uri)")
            }
        }
    }

    @Test func anUnchangedFileAnswers304() async throws {
        let fixture = try await ServerFixture()
        try await fixture.test { client in
            let first = try await client.execute(uri: "/ui/app.css", method: .get)
            let etag = try #require(first.headers[.eTag])
            let second = try await client.execute(uri: "/ui/app.css", method: .get, headers: [.ifNoneMatch: etag])
            #expect(second.status == .notModified)
            #expect(second.body.readableBytes == 0)
        }
    }
}
