// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Darkroom",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "darkroom", targets: ["darkroom"]),
        .library(name: "Imaging", targets: ["Imaging"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .library(name: "FileStorage", targets: ["FileStorage"]),
        .library(name: "SQLiteBackend", targets: ["SQLiteBackend"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // libvips itself, found through pkg-config.
        .systemLibrary(
            name: "CLibVips",
            pkgConfig: "vips",
            providers: [.apt(["libvips-dev"])]
        ),
        // Fixed-arity C wrappers around libvips's variadic entry points.
        .target(name: "CVips", dependencies: ["CLibVips"]),
        // An image value over libvips: probe, load under limits, operations, encode.
        .target(name: "Imaging", dependencies: ["CVips", "CLibVips"]),
        // The domain: recipes, variants, operations, and running a recipe on one source.
        .target(
            name: "Pipeline",
            dependencies: ["Imaging", .product(name: "Yams", package: "Yams")]
        ),
        // Blobs as local files.
        .target(name: "FileStorage", dependencies: ["Pipeline", "Imaging"]),
        // SQLite through its C library: the embedded metadata store and job queue.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "SQLiteBackend", dependencies: ["CSQLite", "Pipeline", "Imaging"]),
        // The thin command-line front end.
        .executableTarget(
            name: "darkroom",
            dependencies: ["Pipeline", "Imaging", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Imaging"]),
        .testTarget(name: "DarkroomTests", dependencies: ["Pipeline", "Imaging", "darkroom"]),
        .testTarget(name: "BackendTests", dependencies: ["Pipeline", "Imaging", "FileStorage", "SQLiteBackend"]),
    ],
    swiftLanguageModes: [.v6]
)
