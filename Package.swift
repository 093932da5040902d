// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Darkroom",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "darkroom", targets: ["darkroom"]),
        .library(name: "BlockingWork", targets: ["BlockingWork"]),
        .library(name: "Imaging", targets: ["Imaging"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .library(name: "FileStorage", targets: ["FileStorage"]),
        .library(name: "SQLiteBackend", targets: ["SQLiteBackend"]),
        .library(name: "Composition", targets: ["Composition"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: ["YAML"]),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.25.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
    ],
    targets: [
        // A bounded, cancellable thread pool for blocking work, kept off the cooperative pool.
        // glibc's allocator controls (malloc.h), which Swift's Glibc module lacks.
        .target(name: "CMemory"),
        .target(name: "BlockingWork", dependencies: ["CMemory"]),
        // libvips itself, found through pkg-config.
        .systemLibrary(
            name: "CLibVips",
            pkgConfig: "vips",
            providers: [.apt(["libvips-dev"])]
        ),
        // Fixed-arity C wrappers around libvips's variadic entry points.
        .target(name: "CVips", dependencies: ["CLibVips"]),
        // Darkroom's own horizontal reducer in C: the one piece of image arithmetic not in libvips.
        .target(name: "CReduceWidth", dependencies: ["CLibVips"]),
        // An image value over libvips: probe, load under limits, operations, encode.
        .target(name: "Imaging", dependencies: ["CVips", "CReduceWidth", "CLibVips"]),
        // The domain: recipes, variants, operations, and running a recipe on one source.
        .target(
            name: "Pipeline",
            dependencies: [
                "Imaging", "BlockingWork", .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // On-the-fly URL dialects (imgproxy's, thumbor's): parsing and signatures into a
        // TransformSpec. No I/O, no HTTP.
        .target(name: "URLDialects", dependencies: ["Pipeline", "Imaging", .product(name: "Crypto", package: "swift-crypto")]),
        // CenterFace (an ONNX CNN) on OpenCV's DNN module, behind a small extern "C" surface.
        // Debian's libopencv-dnn-dev ships no pkg-config file, so its paths are named here.
        .target(
            name: "CFaceDetect",
            cxxSettings: [.unsafeFlags(["-I/usr/include/opencv4", "-std=c++17", "-O2"])],
            linkerSettings: [.linkedLibrary("opencv_dnn"), .linkedLibrary("opencv_imgproc"), .linkedLibrary("opencv_core")]
        ),
        // The face detector as a Pipeline `FaceDetector`: the model found, loaded and run.
        .target(name: "FaceDetection", dependencies: ["CFaceDetect", "Pipeline", "Imaging"]),
        // Image work in supervised child processes, so a libvips abort costs one image.
        .target(
            name: "RenderIsolation",
            dependencies: ["Pipeline", "Imaging", "BlockingWork", "FaceDetection", .product(name: "Logging", package: "swift-log")]),
        // Blobs as local files.
        .target(name: "FileStorage", dependencies: ["Pipeline", "BlockingWork"]),
        // SQLite through its C library: the embedded metadata store and job queue.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "SQLiteBackend", dependencies: ["CSQLite", "Pipeline", "Imaging", "BlockingWork"]),
        // PostgreSQL through PostgresNIO: records, the job queue (SKIP LOCKED) and the status feed,
        // shared by many processes; LISTEN/NOTIFY wakes them.
        .target(
            name: "PostgresBackend",
            dependencies: [
                "Pipeline", "Imaging", "BlockingWork", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // AWS Signature Version 4, credentials and endpoints: Foundation and swift-crypto only.
        .target(name: "AWSSigning", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // S3, SQS, SNS and DynamoDB over AsyncHTTPClient, and the backends built on them:
        // S3BlobStore, SQSEventSource, DynamoDBMetadataStore, SNSNotifier.
        .target(
            name: "AWSBackends",
            dependencies: [
                "AWSSigning", "Pipeline", "Imaging", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The AWS Lambda Runtime API client: the invocation loop, and API Gateway and Function URL
        // payloads. Nothing of Darkroom's: events reach the pipeline through Composition.
        .target(
            name: "LambdaRuntime",
            dependencies: [
                "BlockingWork", .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Signed webhooks for finished images, over AsyncHTTPClient.
        .target(
            name: "Webhooks",
            dependencies: [
                "Pipeline", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // On-the-fly URLs: sources resolved within the configured root (through ports), the
        // render cache, coalescing and limits. No backend module: the root hands it the ports.
        .target(
            name: "OnTheFly",
            dependencies: [
                "Pipeline", "Imaging", "BlockingWork", "URLDialects", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The composition root: configuration, backends built in two phases, workers and their
        // lifecycle services, for every command. No HTTP framework.
        .target(
            name: "Composition",
            dependencies: [
                "Pipeline", "Imaging", "BlockingWork", "FileStorage", "SQLiteBackend", "PostgresBackend", "Webhooks", "AWSBackends", "AWSSigning",
                "RenderIsolation", "FaceDetection", "URLDialects", "LambdaRuntime", "OnTheFly",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The HTTP service: REST API, uploads, the event stream, health and metrics.
        .target(
            name: "Server",
            dependencies: [
                "Composition", "OnTheFly", "Pipeline", "Imaging", "BlockingWork", "URLDialects",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("openapi.yaml"), .copy("Web")]
        ),
        // `darkroom loadgen`: open- and closed-loop load on the API, an S3 bucket or GET URLs,
        // measured with HdrHistogram.
        .target(
            name: "LoadGen",
            dependencies: [
                "Pipeline", "Imaging", "AWSBackends", "AWSSigning", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Histogram", package: "hdrhistogram-swift"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The thin command-line front end.
        .executableTarget(
            name: "darkroom",
            dependencies: [
                // No backend module: every command builds its backends through Composition.
                "Pipeline", "Imaging", "BlockingWork", "Composition", "Server", "RenderIsolation", "LoadGen", "LambdaRuntime", "FaceDetection",
                .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Configuration", package: "swift-configuration"),
            ]
        ),
        // Byte-level builders of test inputs (EXIF segments), shared by the test targets.
        .target(name: "ImagingFixtures", dependencies: ["Imaging"], path: "Tests/ImagingFixtures"),
        // What every test that waits uses (`eventually`); it depends on nothing, so any suite can.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "BlockingWorkTests", dependencies: ["BlockingWork", "TestSupport"]),
        .testTarget(name: "LoadGenTests", dependencies: ["LoadGen"]),
        .testTarget(name: "LambdaRuntimeTests", dependencies: ["LambdaRuntime"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "ImagingFixtures", "CVips", "CLibVips"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Imaging", "ImagingFixtures"]),
        .testTarget(name: "FaceDetectionTests", dependencies: ["FaceDetection", "Pipeline", "Imaging", "ImagingFixtures"]),
        .testTarget(name: "DarkroomTests", dependencies: ["Pipeline", "Imaging", "ImagingFixtures", "TestSupport", "darkroom"]),
        .testTarget(
            name: "BackendTests",
            dependencies: [
                "Pipeline", "Imaging", "ImagingFixtures", "TestSupport", "BlockingWork", "FileStorage", "SQLiteBackend", "AWSBackends",
                "AWSSigning", "Composition", "PostgresBackend", .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .testTarget(name: "AWSSigningTests", dependencies: ["AWSSigning"]),
        .testTarget(name: "URLDialectsTests", dependencies: ["URLDialects", "Pipeline", "Imaging"]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Composition", "OnTheFly", "Pipeline", "Imaging", "ImagingFixtures", "TestSupport", "BlockingWork", "Webhooks",
                "URLDialects", "FaceDetection", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Configuration", package: "swift-configuration"), .product(name: "Yams", package: "Yams"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
