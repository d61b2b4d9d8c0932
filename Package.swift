// swift-tools-version:6.0
//
// Darkroom: the on-device backend of a private text-to-image app.
// See README.md for the two commands that build, run and test it, and
// docs/architecture.md for what each module does.
import PackageDescription

let package = Package(
    name: "Darkroom",
    platforms: [.macOS(.v14), .iOS(.v17)],
    products: [
        .library(name: "Darkroom", targets: ["Darkroom"]),
        .library(name: "DarkroomStore", targets: ["DarkroomStore"]),
        .library(name: "DarkroomEngine", targets: ["DarkroomEngine"]),
        .library(name: "DarkroomCrypto", targets: ["DarkroomCrypto"]),
        .library(name: "DarkroomImaging", targets: ["DarkroomImaging"]),
        .library(name: "DarkroomSync", targets: ["DarkroomSync"]),
        .library(name: "DarkroomCredentials", targets: ["DarkroomCredentials"]),
        .executable(name: "darkroom", targets: ["darkroom"]),
        .executable(name: "darkroom-relay", targets: ["darkroom-relay"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    ],
    targets: [
        // C libraries from Debian's -dev packages.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        // The one libsqlite3 option GRDB does not reach (a variadic call); GRDB links the same library.
        .systemLibrary(name: "CSQLiteOptions", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // PNG codec, metadata chunks, thumbnails, terminal pictures.
        .target(name: "DarkroomImaging", dependencies: ["CZlib"]),
        // The SQL migrations, loaded at run time from Schema/migrations.
        .target(name: "DarkroomSchema", path: "Schema", resources: [.copy("migrations")]),
        // The SQLite library store.
        .target(
            name: "DarkroomStore",
            dependencies: ["DarkroomSchema", "DarkroomCrypto", "CSQLiteOptions", .product(name: "GRDB", package: "GRDB.swift")]),
        // The native diffusion engine (no dependency on the store).
        // OpenBLAS is loaded on first use (BLASBackend), not linked: see docs/architecture.md.
        .target(name: "DarkroomEngine", dependencies: ["DarkroomCrypto", "CEngineKernels"]),
        // The engine's elementwise kernels in C: AVX2+FMA where the CPU has it, chosen at run time.
        .target(name: "CEngineKernels"),
        // libsodium wrappers for end-to-end encrypted sync.
        .target(name: "DarkroomCrypto", dependencies: ["CSodium"]),
        // Envelopes, keys, transports and merge for end-to-end encrypted sync. Its HTTP client is
        // Foundation's URLSession, so neither an app nor `darkroom` compiles a server stack.
        .target(name: "DarkroomSync", dependencies: ["DarkroomCrypto"]),
        // Library sync, everything above the protocol: the change log's reader, the codec and the
        // applier (the store's sync tables), and the driver (keys at rest, pairing, push, pull, lazy
        // pictures). The store keeps only the capture (its triggers and insert logging, SyncCapture).
        .target(
            name: "DarkroomLibrarySync",
            dependencies: ["DarkroomStore", "DarkroomSync", "DarkroomCrypto", "DarkroomImaging",
                           .product(name: "GRDB", package: "GRDB.swift")]),
        // The sync relay server: stores opaque objects per library on SQLite or PostgreSQL.
        .target(
            name: "DarkroomRelay",
            dependencies: ["DarkroomSync", "DarkroomCrypto",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "CoreMetrics", package: "swift-metrics"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        // C2PA Content Credentials: CBOR, JUMBF, COSE_Sign1 and X.509 (swift-certificates), signing and
        // verifying manifest stores embedded in PNG files. Knows nothing of the library.
        .target(
            name: "DarkroomCredentials",
            dependencies: ["DarkroomImaging",
                           .product(name: "X509", package: "swift-certificates"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "_CryptoExtras", package: "swift-crypto"),
                           .product(name: "SwiftASN1", package: "swift-asn1")]),
        // The facade a mobile app imports.
        .target(
            name: "Darkroom",
            dependencies: ["DarkroomStore", "DarkroomImaging", "DarkroomEngine", "DarkroomCrypto", "DarkroomSync",
                           "DarkroomLibrarySync", "DarkroomCredentials"],
            // Every member used is imported by name: no GRDB API reaches the facade through the store.
            swiftSettings: [.enableUpcomingFeature("MemberImportVisibility")]),
        // The `darkroom` command-line tool.
        .executableTarget(
            name: "darkroom",
            dependencies: ["Darkroom", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "CLI"),
        // The `darkroom-relay` server program (the only executable that links Hummingbird and postgres-nio).
        .executableTarget(
            name: "darkroom-relay",
            dependencies: ["DarkroomRelay",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")]),
        // An app's view model in miniature, `import Darkroom` alone (docs/embedding.md); CI builds and runs it.
        .executableTarget(name: "darkroom-gallery-example", dependencies: ["Darkroom"], path: "Examples/GalleryApp"),
        // Engine benchmark at real model sizes with random weights (release builds only).
        .executableTarget(
            name: "darkroom-bench-engine",
            dependencies: ["DarkroomEngine"],
            path: "Benchmarks/engine",
            exclude: ["peer.py", "peer-generation.py", "make-fp16-model.py", "generation-memory.sh", "configs", "README.md", "run.sh"]),

        // Benchmarks (run in release mode; see docs/benchmarks.md).
        .executableTarget(
            name: "darkroom-bench-store", dependencies: ["Darkroom", "DarkroomStore", "DarkroomImaging", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Benchmarks/store"),
        // Throughput of blob encryption and envelope sync (Benchmarks/sync/README.md).
        .executableTarget(
            name: "darkroom-bench-crypto", dependencies: ["DarkroomSync"],
            path: "Benchmarks/sync", exclude: ["README.md"]),
        // First sync of 100,000 records and incremental sync through a folder (docs/benchmarks.md).
        .executableTarget(
            name: "darkroom-bench-library-sync", dependencies: ["Darkroom", "DarkroomStore", "DarkroomLibrarySync", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Benchmarks/library-sync"),
        // Relay load generator: devices pushing and pulling envelopes over HTTP (Benchmarks/relay/README.md).
        .executableTarget(
            name: "darkroom-bench-relay",
            dependencies: ["DarkroomCrypto", "DarkroomRelay", "DarkroomSync", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/relay", exclude: ["README.md", "wrk-relay.lua"]),

        // What signing Content Credentials adds to a generation, against the C2PA reference (docs/benchmarks.md).
        .executableTarget(
            name: "darkroom-bench-credentials", dependencies: ["DarkroomCredentials", "DarkroomImaging"],
            path: "Benchmarks/credentials", exclude: ["peer.py", "run.sh"]),

        // What image-to-image, inpainting and a LoRA add over text-to-image (docs/benchmarks.md).
        .executableTarget(
            name: "darkroom-bench-engine-inputs", dependencies: ["DarkroomEngine"],
            path: "Benchmarks/engine-inputs", exclude: ["make-lora.py", "run.sh"]),

        .testTarget(name: "DarkroomImagingTests", dependencies: ["DarkroomImaging"]),
        .testTarget(name: "DarkroomStoreTests", dependencies: ["DarkroomStore", "DarkroomLibrarySync"]),
        .testTarget(name: "DarkroomEngineTests", dependencies: ["DarkroomEngine"]),
        .testTarget(name: "DarkroomCryptoTests", dependencies: ["DarkroomCrypto"]),
        .testTarget(name: "DarkroomSyncTests", dependencies: ["DarkroomSync"]),
        .testTarget(name: "DarkroomCredentialsTests", dependencies: ["DarkroomCredentials", "DarkroomImaging"]),
        .testTarget(name: "DarkroomRelayTests", dependencies: ["DarkroomRelay", "DarkroomSync",
                                                            .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                                            .product(name: "HummingbirdTesting", package: "hummingbird")]),
        .testTarget(name: "DarkroomTests", dependencies: ["Darkroom", "DarkroomLibrarySync", "DarkroomSync", "DarkroomCrypto", "DarkroomRelay",
                                                       .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "CLITests", dependencies: ["darkroom", "darkroom-relay", "DarkroomImaging", "DarkroomEngine", "DarkroomCredentials"]),
    ],
    swiftLanguageModes: [.v6]
)
