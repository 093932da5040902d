import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Imaging
import Pipeline
import TestSupport
import Testing
import URLDialects

@testable import Composition
@testable import OnTheFly
@testable import Server

/// On-the-fly URLs end to end through the router: real renders (libvips), the file cache,
/// conditional requests, negotiation, coalescing, the gate, and what hostile URLs get.
@Suite(.timeLimit(.minutes(10))) struct TransformTests {
    /// A fixture whose transform root holds a 2040×1530 photo as `photos/a.jpg`.
    static func fixture(_ configure: @escaping (inout DarkroomConfiguration) -> Void = { _ in }) async throws -> ServerFixture {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("transform-root-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("photos"), withIntermediateDirectories: true)
        try Data(try ServerFixture.photo(width: 2040, height: 1530)).write(to: root.appendingPathComponent("photos/a.jpg"))
        try Data(try ServerFixture.photo(width: 200, height: 100, format: .png)).write(to: root.appendingPathComponent("logo.png"))
        return try await ServerFixture { c in
            c.transform.root = root.path
            c.transform.allowUnsigned = true
            c.transform.watermark = root.appendingPathComponent("logo.png").path
            configure(&c)
        }
    }

    static func header(_ image: ByteBuffer) throws -> ImageHeader {
        try ImageSource.open(Array(buffer: image)).header
    }

    @Test func imgproxyAndThumborRenderTheSizesTheyAskFor() async throws {
        let fixture = try await Self.fixture()
        try await fixture.test { client in
            let cases: [(String, Int, Int, ImageFormat)] = [
                ("/imgproxy/insecure/rs:fit:512:512/q:80/plain/photos/a.jpg", 512, 384, .jpeg),
                ("/imgproxy/insecure/rs:fill:300:200/g:sm/plain/local:///photos/a.jpg@webp", 300, 200, .webp),
                ("/imgproxy/insecure/rs:force:100:100/plain/photos/a.jpg@png", 100, 100, .png),
                ("/imgproxy/insecure/rs:fit:400:400:0:1/bg:ff0000/plain/photos/a.jpg", 400, 400, .jpeg),
                ("/imgproxy/insecure/c:1000:1000/rs:fit:200:200/rot:90/plain/photos/a.jpg", 200, 200, .jpeg),
                ("/imgproxy/insecure/w:300/dpr:2/plain/photos/a.jpg", 600, 450, .jpeg),
                ("/imgproxy/insecure/rs:fit:300:300/bl:2/sh:1/pix:4/wm:0.5:soea/plain/photos/a.jpg", 300, 225, .jpeg),
                ("/thumbor/unsafe/fit-in/512x512/filters:quality(80)/photos/a.jpg", 512, 384, .jpeg),
                ("/thumbor/unsafe/300x200/smart/photos/a.jpg", 300, 200, .jpeg),
                ("/thumbor/unsafe/full-fit-in/300x300/photos/a.jpg", 400, 300, .jpeg),
                ("/thumbor/unsafe/adaptive-fit-in/300x400/photos/a.jpg", 400, 300, .jpeg),
                ("/thumbor/unsafe/0x0:1020x1530/-200x0/filters:grayscale():format(webp)/photos/a.jpg", 200, 300, .webp),
                ("/thumbor/unsafe/200x200/filters:watermark(logo.png,-10,-10,50,20)/photos/a.jpg", 200, 200, .jpeg),
            ]
            for (uri, width, height, format) in cases {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .ok, "\(uri): \(String(buffer: response.body))")
                guard response.status == .ok else { continue }
                let header = try Self.header(response.body)
                #expect(header.width == width && header.height == height && header.format == format, "\(uri) made \(header)")
            }
        }
    }

    @Test func theCacheAnswersRepeatsAcrossDialectsAndConditionalRequestsGet304() async throws {
        let fixture = try await Self.fixture()
        let metrics = try #require(fixture.components.transforms?.metrics)
        try await fixture.test { client in
            let first = try await client.execute(uri: "/imgproxy/insecure/rs:fit:512:512/q:80/plain/photos/a.jpg", method: .get)
            #expect(first.headers[HTTPField.Name("X-Darkroom-Source")!] == "render")
            let etag = try #require(first.headers[.eTag])
            #expect(first.headers[.cacheControl] == "public, max-age=31536000")
            #expect(first.headers[.lastModified] != nil)
            #expect(first.headers[.vary] == nil, "nothing depends on Accept while transform.autoFormats is empty")
            // thumbor's spelling of the same picture is the same cache entry and entity tag.
            let second = try await client.execute(uri: "/thumbor/unsafe/fit-in/512x512/filters:quality(80)/photos/a.jpg", method: .get)
            #expect(second.headers[HTTPField.Name("X-Darkroom-Source")!] == "cache")
            #expect(second.headers[.eTag] == etag)
            #expect(Array(buffer: second.body) == Array(buffer: first.body))
            let conditional = try await client.execute(
                uri: "/imgproxy/insecure/rs:fit:512:512/q:80/plain/photos/a.jpg", method: .get, headers: [.ifNoneMatch: etag])
            #expect(conditional.status == .notModified)
            #expect(conditional.body.readableBytes == 0)
            #expect(conditional.headers[.eTag] == etag)
            let other = try await client.execute(
                uri: "/imgproxy/insecure/rs:fit:512:512/q:80/plain/photos/a.jpg", method: .get, headers: [.ifNoneMatch: "\"other\""])
            #expect(other.status == .ok)
            let head = try await client.execute(uri: "/imgproxy/insecure/rs:fit:512:512/q:80/plain/photos/a.jpg", method: .head)
            #expect(head.status == .ok && head.body.readableBytes == 0 && head.headers[.contentLength] == String(first.body.readableBytes))
        }
        #expect(metrics.count(.render) == 1)
        #expect(metrics.count(.cacheHit) == 3)
        let cached = fixture.blobFiles().filter { $0.hasPrefix("transforms/") }
        #expect(cached.count == 1, "\(cached)")
    }

    @Test func theFileCacheIsTrimmedLeastRecentlyUsedFirst() async throws {
        let cap = 20_000
        let fixture = try await Self.fixture { $0.transform.cacheMaxBytes = cap }
        let blobs = URL(fileURLWithPath: fixture.components.configuration.dataDirectory).appendingPathComponent("blobs")
        /// Cached results by file name (their digest), with sizes.
        let cached = { @Sendable () -> [String: Int] in
            Dictionary(
                fixture.blobFiles().filter { $0.hasPrefix("transforms/") }.map { path in
                    let size = (try? FileManager.default.attributesOfItem(atPath: blobs.appendingPathComponent(path).path)[.size] as? Int) ?? 0
                    return (String(path.split(separator: "/").last!), size)
                }, uniquingKeysWith: { a, _ in a })
        }
        try await fixture.test { client in
            func get(_ width: Int) async throws -> (source: String?, etag: String) {
                let response = try await client.execute(uri: "/imgproxy/insecure/w:\(width)/q:50/plain/photos/a.jpg", method: .get)
                #expect(response.status == .ok)
                return (
                    response.headers[HTTPField.Name("X-Darkroom-Source")!], response.headers[.eTag]?.replacingOccurrences(of: "\"", with: "") ?? ""
                )
            }
            func stored(_ etag: String) -> Bool { cached().keys.contains { $0.hasPrefix(etag) } }
            // Small results (a few KB each), so that several fit under the cap.
            let kept = try await get(60).etag
            let first = try await get(61).etag
            #expect(stored(kept) && stored(first), "two results do not fit in \(cap) bytes: \(cached())")
            // Keep 60 the most recently used while new results arrive: 61 must go first.
            var width = 62
            while stored(first) && width < 300 {
                #expect(try await get(60).source == "cache")
                #expect(try await get(width).source == "render")
                width += 1
            }
            #expect(!stored(first), "nothing was trimmed under a \(cap)-byte cap")
            #expect(stored(kept))
            #expect(cached().values.reduce(0, +) <= cap)
            #expect(try await get(61).source == "render")
        }
    }

    @Test func cacheOffRendersEveryTime() async throws {
        let fixture = try await Self.fixture { $0.transform.cache = false }
        try await fixture.test { client in
            for _ in 0..<2 {
                let response = try await client.execute(uri: "/imgproxy/insecure/w:100/plain/photos/a.jpg", method: .get)
                #expect(response.headers[HTTPField.Name("X-Darkroom-Source")!] == "render")
            }
        }
        #expect(fixture.components.transforms?.metrics.count(.render) == 2)
        #expect(fixture.blobFiles().filter { $0.hasPrefix("transforms/") }.isEmpty)
    }

    @Test func formatFollowsAcceptWithVaryOnlyWhenTheURLNamesNone() async throws {
        let fixture = try await Self.fixture { $0.transform.autoFormats = [.avif, .webp] }
        try await fixture.test { client in
            let uri = "/imgproxy/insecure/w:200/plain/photos/a.jpg"
            let webp = try await client.execute(uri: uri, method: .get, headers: [.accept: "image/webp,image/*;q=0.8"])
            #expect(webp.headers[.contentType] == "image/webp")
            #expect(webp.headers[.vary] == "Accept")
            let plain = try await client.execute(uri: uri, method: .get, headers: [.accept: "image/*"])
            #expect(plain.headers[.contentType] == "image/jpeg")
            #expect(plain.headers[.vary] == "Accept")
            #expect(plain.headers[.eTag] != webp.headers[.eTag])
            let explicit = try await client.execute(
                uri: "/imgproxy/insecure/w:200/plain/photos/a.jpg@png", method: .get, headers: [.accept: "image/webp"])
            #expect(explicit.headers[.contentType] == "image/png")
            #expect(explicit.headers[.vary] == nil)
            let thumbor = try await client.execute(
                uri: "/thumbor/unsafe/200x0/photos/a.jpg", method: .get, headers: [.accept: "image/avif,image/webp"])
            #expect(thumbor.headers[.contentType] == "image/avif")
            #expect(thumbor.headers[.vary] == "Accept")
            #expect(try Self.header(thumbor.body).format == .avif)
        }
    }

    @Test func fiftyIdenticalRequestsInFlightMakeOneRender() async throws {
        var fixture = try await Self.fixture()
        var service = try #require(fixture.components.transforms)
        let pausing = PausingRenderer(inner: service.renderer)
        service.renderer = pausing
        fixture.setTransforms(service)
        let metrics = service.metrics
        try await fixture.test { client in
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<50 {
                    group.addTask { try await client.execute(uri: "/imgproxy/insecure/rs:fit:256:256/plain/photos/a.jpg", method: .get).status }
                }
                await pausing.waitUntilEntered()
                // Every request has joined before the one render is let go.
                try await eventually("49 requests to join the render") { metrics.count(.coalesced) >= 49 }
                await pausing.resume()
                for try await status in group { #expect(status == .ok) }
            }
        }
        #expect(service.metrics.count(.render) == 1)
        #expect(service.metrics.count(.coalesced) == 49)
    }

    @Test func aFullGateAnswers429WithRetryAfterAndATimeoutIs503() async throws {
        var fixture = try await Self.fixture {
            $0.transform.workers = 1
            $0.transform.maxQueue = 0
            $0.transform.timeoutSeconds = 2
        }
        var service = try #require(fixture.components.transforms)
        let pausing = PausingRenderer(inner: service.renderer)
        service.renderer = pausing
        fixture.setTransforms(service)
        try await fixture.test { client in
            let held = Task { try await client.execute(uri: "/imgproxy/insecure/w:100/plain/photos/a.jpg", method: .get) }
            await pausing.waitUntilEntered()
            let refused = try await client.execute(uri: "/thumbor/unsafe/120x0/photos/a.jpg", method: .get)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "1")
            #expect(refused.headers[.cacheControl] == nil)
            let timedOut = try await held.value
            #expect(timedOut.status == .serviceUnavailable, "\(String(buffer: timedOut.body))")
            await pausing.resume()
        }
        #expect(service.metrics.count(.rejected) == 1)
        #expect(service.metrics.count(.timeout) == 1)
    }

    @Test func signaturesDecideBeforeAnythingElse() async throws {
        let fixture = try await Self.fixture {
            $0.transform.allowUnsigned = false
            $0.transform.imgproxyKeys = "736563726574"
            $0.transform.imgproxySalts = "68656c6c6f"
            $0.transform.thumborSecurityKey = "MY_SECURE_KEY"
        }
        let imgproxy = try ImgproxySigner(keys: "736563726574", salts: "68656c6c6f")
        let thumbor = ThumborSigner(securityKey: "MY_SECURE_KEY")
        try await fixture.test { client in
            let path = "/rs:fit:100:100/plain/photos/a.jpg"
            #expect(try await client.execute(uri: "/imgproxy/\(imgproxy.sign(path))\(path)", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/imgproxy/AAAAAAAA\(path)", method: .get).status == .forbidden)
            #expect(try await client.execute(uri: "/imgproxy/insecure\(path)", method: .get).status == .forbidden)
            #expect(try await client.execute(uri: "/imgproxy/AAAA/zoom:2/plain/a.jpg", method: .get).status == .forbidden)
            let expired = "/exp:1000/w:10/plain/photos/a.jpg"
            #expect(try await client.execute(uri: "/imgproxy/\(imgproxy.sign(expired))\(expired)", method: .get).status == .notFound)
            let unknown = "/zoom:2/plain/photos/a.jpg"
            #expect(try await client.execute(uri: "/imgproxy/\(imgproxy.sign(unknown))\(unknown)", method: .get).status == .notFound)
            let t = "fit-in/100x100/photos/a.jpg"
            #expect(try await client.execute(uri: "/thumbor/\(thumbor.sign(t))/\(t)", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/thumbor/\(thumbor.sign(t))/fit-in/101x100/photos/a.jpg", method: .get).status == .badRequest)
            let unsafe = try await client.execute(uri: "/thumbor/unsafe/\(t)", method: .get)
            #expect(unsafe.status == .badRequest)
            #expect(unsafe.headers[.cacheControl] == nil)
        }
    }

    @Test func nothingOutsideTheRootOrTheAllowListIsReachable() async throws {
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("outside-\(UUID().uuidString).jpg")
        try Data(try ServerFixture.photo(width: 64, height: 48)).write(to: outside)
        let fixture = try await Self.fixture { $0.transform.allowedSources = ["http://127.0.0.1:9/images/", "http://localhost:9/"] }
        let root = try #require(fixture.components.configuration.transform.root)
        try FileManager.default.createSymbolicLink(atPath: root + "/escape.jpg", withDestinationPath: outside.path)
        try await fixture.test { client in
            let cases: [(String, HTTPResponse.Status)] = [
                ("/imgproxy/insecure/w:10/plain/../../etc/passwd", .notFound),
                ("/imgproxy/insecure/w:10/plain/photos/%2e%2e/%2e%2e/etc/passwd", .notFound),
                ("/imgproxy/insecure/w:10/plain/local:///photos/../../x.jpg", .notFound),
                ("/imgproxy/insecure/w:10/plain/escape.jpg", .forbidden),
                ("/imgproxy/insecure/w:10/plain/s3://bucket/a.jpg", .forbidden),
                ("/imgproxy/insecure/w:10/plain/file:///etc/passwd", .notFound),
                ("/imgproxy/insecure/w:10/plain/http://169.254.169.254/latest/meta-data", .forbidden),
                ("/imgproxy/insecure/w:10/plain/http://127.0.0.1:9/images/a.jpg", .forbidden),
                ("/imgproxy/insecure/w:10/plain/http://localhost:9/a.jpg", .forbidden),
                ("/imgproxy/insecure/w:10/plain/http://127.0.0.1:9/imagesX/a.jpg", .forbidden),
                ("/imgproxy/insecure/w:10/plain/http://127.0.0.1.nip.io:9/images/a.jpg", .forbidden),
                ("/thumbor/unsafe/10x10/escape.jpg", .badRequest),
                ("/thumbor/unsafe/10x10/photos/missing.jpg", .notFound),
                ("/thumbor/unsafe/10x10/filters:watermark(../x.png,0,0,0)/photos/a.jpg", .badRequest),
            ]
            for (uri, status) in cases {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == status, "\(uri): \(String(buffer: response.body))")
                #expect(response.headers[.cacheControl] == nil)
            }
        }
    }

    @Test func brokenSourcesGetAClearErrorAndTheServiceStaysUp() async throws {
        let fixture = try await Self.fixture()
        let root = try #require(fixture.components.configuration.transform.root)
        let photo = try ServerFixture.photo(width: 640, height: 480)
        let files: [(String, [UInt8])] = [
            ("empty.jpg", []),
            ("truncated.jpg", Array(photo.prefix(photo.count / 3))),
            ("text.jpg", Array("not an image at all".utf8)),
            ("header-only.jpg", Array(photo.prefix(200))),
        ]
        for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: root).appendingPathComponent(name)) }
        try await fixture.test { client in
            for (name, _) in files {
                let imgproxy = try await client.execute(uri: "/imgproxy/insecure/w:100/plain/\(name)", method: .get)
                #expect(imgproxy.status == .unprocessableContent, "\(name): \(imgproxy.status)")
                #expect(try ServerFixture.json(imgproxy)["error"] != nil)
                #expect(imgproxy.headers[.cacheControl] == nil)
                let thumbor = try await client.execute(uri: "/thumbor/unsafe/100x100/\(name)", method: .get)
                #expect(thumbor.status == .badRequest, "\(name): \(thumbor.status)")
            }
            // Nothing was cached, and good requests still work.
            #expect(fixture.blobFiles().filter { $0.hasPrefix("transforms/") }.isEmpty)
            #expect(try await client.execute(uri: "/imgproxy/insecure/w:100/plain/photos/a.jpg", method: .get).status == .ok)
        }
    }

    @Test func sourcesOverTheLimitsAre422() async throws {
        let fixture = try await Self.fixture { $0.limits.maxPixels = 1_000_000 }
        try await fixture.test { client in
            let response = try await client.execute(uri: "/imgproxy/insecure/w:10/plain/photos/a.jpg", method: .get)
            #expect(response.status == .unprocessableContent)
            #expect(try ServerFixture.json(response)["error"] != nil)
            let thumbor = try await client.execute(uri: "/thumbor/unsafe/10x10/photos/a.jpg", method: .get)
            #expect(thumbor.status == .badRequest)
        }
    }

    @Test func recipeVariantsByURLAreSignedWhenTheAPIIsNot() async throws {
        let fixture = try await Self.fixture {
            $0.apiKeys = ["a-very-long-api-key-0001"]
            $0.signingKey = "signing-key-for-tests"
        }
        let signer = try #require(fixture.components.signer)
        try await fixture.test { client in
            let uri = signer.sign("/transform/default/thumbnail/photos/a.jpg")
            let response = try await client.execute(uri: uri, method: .get)
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            #expect(try Self.header(response.body).width == 150)
            #expect(try await client.execute(uri: "/transform/default/thumbnail/photos/a.jpg", method: .get).status == .forbidden)
            #expect(try await client.execute(uri: signer.sign("/transform/default/nope/photos/a.jpg"), method: .get).status == .notFound)
        }
    }

    @Test func storedImagesAreSources() async throws {
        let fixture = try await Self.fixture()
        try await fixture.test { client in
            let upload = try await client.execute(
                uri: "/api/images", method: .post, headers: [.contentType: "image/jpeg"],
                body: ByteBuffer(bytes: try ServerFixture.photo(width: 800, height: 600)))
            let id = try #require(try ServerFixture.json(upload)["id"] as? String)
            let response = try await client.execute(uri: "/imgproxy/insecure/rs:fill:100:100/plain/darkroom://\(id)", method: .get)
            #expect(response.status == .ok)
            #expect(try Self.header(response.body).width == 100)
            let variant = try await client.execute(
                uri: "/transform/grayscale/\(try #require(fixture.components.catalog.recipe(named: "grayscale")?.variants.first?.name))/\(id)",
                method: .get)
            #expect(variant.status == .ok)
            #expect(try await client.execute(uri: "/thumbor/unsafe/10x10/darkroom://01jd0000000000000000000000", method: .get).status == .notFound)
        }
    }

    @Test func theSigningEndpointSignsWithTheServersKeysOrSaysWhyNot() async throws {
        let unsignedOnly = try await Self.fixture()
        try await unsignedOnly.test { client in
            let response = try await client.execute(uri: "/api/transform/sign?dialect=imgproxy&path=/w:10/plain/photos/a.jpg", method: .get)
            #expect(response.status == .ok)
            #expect(try ServerFixture.json(response)["url"] as? String == "/imgproxy/insecure/w:10/plain/photos/a.jpg")
        }
        let noKeys = try await Self.fixture { $0.transform.allowUnsigned = false }
        try await noKeys.test { client in
            let response = try await client.execute(uri: "/api/transform/sign?dialect=thumbor&path=10x10/photos/a.jpg", method: .get)
            #expect(response.status == .conflict)
        }
        let keyed = try await Self.fixture {
            $0.transform.allowUnsigned = false
            $0.transform.thumborSecurityKey = "MY_SECURE_KEY"
            $0.transform.thumborPrefix = "/t"
        }
        try await keyed.test { client in
            let response = try await client.execute(uri: "/api/transform/sign?dialect=thumbor&path=10x10/photos/a.jpg", method: .get)
            let url = try #require(try ServerFixture.json(response)["url"] as? String)
            #expect(url == "/t/\(ThumborSigner(securityKey: "MY_SECURE_KEY").sign("10x10/photos/a.jpg"))/10x10/photos/a.jpg")
            #expect(try await client.execute(uri: url, method: .get).status == .ok)
            let bad = try await client.execute(uri: "/api/transform/sign?dialect=thumbor&path=filters:blur(900)/photos/a.jpg", method: .get)
            #expect(bad.status == .badRequest)
        }
    }

    @Test func metricsCountRendersHitsAndRefusals() async throws {
        let fixture = try await Self.fixture()
        try await fixture.test { client in
            _ = try await client.execute(uri: "/imgproxy/insecure/w:64/plain/photos/a.jpg", method: .get)
            _ = try await client.execute(uri: "/imgproxy/insecure/w:64/plain/photos/a.jpg", method: .get)
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(text.contains("darkroom_transform_events_total{event=\"render\"} 1"))
            #expect(text.contains("darkroom_transform_events_total{event=\"cache_hit\"} 1"))
            #expect(text.contains("darkroom_transform_events_total{event=\"rejected\"} 0"))
        }
    }
}

extension ServerFixture {
    /// Replaces the on-the-fly service (a test's own renderer).
    mutating func setTransforms(_ service: TransformService) {
        components.transforms = service
    }
}
