import Foundation
import Testing

@testable import URLDialects

/// thumbor's `/meta` geometry. The expected answers are thumbor 7.8's own, recorded from its
/// server on a 2040 × 1530 photo (`photo`) and a 1530 × 2040 one (`tall`); e2e/test_meta.py
/// asks a live thumbor again on every run.
@Suite struct ThumborMetaTests {
    let open = ThumborDialect(settings: .init(allowUnsigned: true))

    func meta(_ path: String, _ width: Int = 2040, _ height: Int = 1530) throws -> ThumborMeta {
        let parsed = try open.parse("/unsafe/meta/" + path)
        let geometry = try #require(parsed.meta)
        return geometry.meta(sourceWidth: width, sourceHeight: height, frames: 1)
    }

    typealias Op = ThumborMeta.Operation

    @Test(arguments: [
        ("300x200/a.jpg", [Op.crop(left: 0, top: 85, right: 2040, bottom: 1445), .resize(width: 300, height: 200)], 300, 200),
        ("fit-in/512x512/a.jpg", [.resize(width: 512, height: 384)], 512, 384),
        (
            "0x0:1020x1530/-200x0/a.jpg", [.crop(left: 0, top: 0, right: 1020, bottom: 1530), .resize(width: 200, height: 300), .flipHorizontally],
            200, 300
        ),
        ("full-fit-in/300x300/a.jpg", [.resize(width: 400, height: 300)], 400, 300),
        ("adaptive-fit-in/300x400/a.jpg", [.resize(width: 400, height: 300)], 400, 300),
        ("3000x200/a.jpg", [.crop(left: 0, top: 697, right: 2040, bottom: 833), .resize(width: 3000, height: 200)], 3000, 200),
        ("fit-in/3000x3000/a.jpg", [], 2040, 1530),
        ("a.jpg", [], 2040, 1530),
        ("x100/a.jpg", [.resize(width: 133, height: 100)], 133, 100),
        ("300x0/a.jpg", [.resize(width: 300, height: 225)], 300, 225),
        ("-0x-0/a.jpg", [.flipHorizontally, .flipVertically], 2040, 1530),
        ("50x50:10x10/100x100/a.jpg", [.crop(left: 255, top: 0, right: 1785, bottom: 1530), .resize(width: 100, height: 100)], 100, 100),
    ])
    func thumborsAnswersOnAPhoto(path: String, operations: [ThumborMeta.Operation], width: Int, height: Int) throws {
        let answer = try meta(path)
        #expect(answer.operations == operations)
        #expect(answer.target == .init(width: width, height: height))
        #expect(answer.source == .init(url: "a.jpg", width: 2040, height: 1530, frameCount: 1))
    }

    @Test func alignmentMovesTheCropAndTheFocalPoint() throws {
        let topLeft = try meta("300x200/left/top/a.jpg", 1530, 2040)
        #expect(topLeft.operations.first == .crop(left: 0, top: 0, right: 1530, bottom: 1020))
        #expect(topLeft.focalPoints.map { [$0.x, $0.y] } == [[0, 0]])
        let flipped = try meta("200x-150/a.jpg", 1530, 2040)
        #expect(flipped.operations == [.crop(left: 0, top: 446, right: 1530, bottom: 1594), .resize(width: 200, height: 150), .flipVertically])
        #expect(flipped.focalPoints.map { [$0.x, $0.y] } == [[765, 1020]])
        // After a manual crop the alignment point is the cropped image's.
        #expect(try meta("0x0:1020x1530/-200x0/a.jpg").focalPoints.map { [$0.x, $0.y] } == [[510, 765]])
    }

    @Test func aCropBeyondTheSourceIsClampedAsThumborDoes() throws {
        #expect(try meta("0x0:5000x5000/a.jpg").operations == [.crop(left: 0, top: 0, right: 2040, bottom: 1530)])
        // Entirely outside: no crop at all.
        #expect(try meta("3000x3000:4000x4000/a.jpg").operations == [])
    }

    @Test func theJSONHasThumborsShapeAndJSONPIsGuarded() throws {
        let body = try meta("300x200/a.jpg").body(callback: nil)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let thumbor = try #require(json["thumbor"] as? [String: Any])
        #expect(Set(thumbor.keys) == ["source", "operations", "target", "focal_points"])
        let source = try #require(thumbor["source"] as? [String: Any])
        #expect(source["frameCount"] as? Int == 1 && source["url"] as? String == "a.jpg")
        let operations = try #require(thumbor["operations"] as? [[String: Any]])
        #expect(operations.map { $0["type"] as? String } == ["crop", "resize"])
        let wrapped = String(decoding: try meta("300x200/a.jpg").body(callback: "app.show"), as: UTF8.self)
        #expect(wrapped.hasPrefix("app.show({") && wrapped.hasSuffix("});"))
        for bad in ["", "alert(1)//", "a b", "1abc", ".a", String(repeating: "a", count: 65), "a\u{2028}"] {
            #expect(!ThumborMeta.validCallback(bad), "\(bad)")
        }
        #expect(ThumborMeta.validCallback("$jsonp_1.cb"))
    }

    @Test func anImageURLIsNotMeta() throws {
        #expect(try open.parse("/unsafe/300x200/a.jpg").meta == nil)
    }
}
