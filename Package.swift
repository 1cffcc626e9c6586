// swift-tools-version:6.0
import PackageDescription

// Kernels are written against AVX2+FMA (see README "Build flags"); scripts/build.sh passes
// `-Xswiftc -target-cpu -Xswiftc haswell` (scripts/flags.sh) so SIMD8<Float> FMAs become single instructions.
let package = Package(
    name: "SwiftCLIP",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "CLIP", targets: ["CLIP"]),
        .library(name: "CLIPSearch", targets: ["CLIPSearch"]),
        .library(name: "CLIPTraining", targets: ["CLIPTraining"]),
        .library(name: "CLIPServer", targets: ["CLIPServer"]),
        .library(name: "CLIPLab", targets: ["CLIPLab"]),
        .executable(name: "clip", targets: ["clip"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG",
                       providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CWebP", path: "Sources/CWebP",
                       providers: [.apt(["libwebp-dev"])]),
        .systemLibrary(name: "CGIF", path: "Sources/CGIF",
                       providers: [.apt(["libgif-dev"])]),
        .systemLibrary(name: "CHEIF", path: "Sources/CHEIF",
                       providers: [.apt(["libheif-dev"])]),
        // int8/bf16 GEMMs and CPU feature detection; each AVX-512 function carries its own target attribute.
        .target(name: "CKernels", path: "Sources/CKernels"),
        // Data files compiled into the binary (C23 #embed), so an installed or copied `clip` is self-contained:
        // SwiftPM's resource bundles are found only beside the build folder. The files stay with the target
        // that owns them (each Resources/ folder), which excludes them from its own sources.
        .target(name: "CCLIPFiles", path: "Sources/CCLIPFiles"),
        .target(name: "CPageFiles", dependencies: ["CCLIPFiles"], path: "Sources/CPageFiles"),
        .target(name: "CBundledModelFiles", dependencies: ["CCLIPFiles"], path: "Sources/CBundledModelFiles",
                exclude: ["Resources"]),
        // The synthetic-shapes model this project trained: `clip` and the tests load it from here.
        .target(name: "CLIPBundledModel", dependencies: ["CLIP", "CBundledModelFiles"]),
        .target(
            name: "CLIP",
            dependencies: ["CKernels", "CCLIPFiles", "CBLAS", "CZlib", "CTurboJPEG", "CPNG", "CWebP", "CGIF", "CHEIF", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["Resources"]
        ),
        .target(name: "CSearchKernels", path: "Sources/CSearchKernels"),
        .target(
            name: "CLIPSearch",
            dependencies: ["CLIP", "CSearchKernels", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        // HTTP service over CLIP and CLIPSearch (neither of which knows HTTP).
        .target(
            name: "CLIPServer",
            dependencies: ["CLIP", "CLIPSearch", .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdCore", package: "hummingbird"),
                           .product(name: "MultipartKit", package: "multipart-kit"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), "CPageFiles"],
            // The search page at `/`: plain HTML, CSS and JavaScript modules, compiled in by CPageFiles.
            exclude: ["Resources"]
        ),
        .target(
            name: "CLIPTraining",
            dependencies: ["CLIP"]
        ),
        // The robustness lab: perturbations, experiments, SVG plots (over CLIP, and CLIPTraining's backward pass).
        .target(
            name: "CLIPLab",
            dependencies: ["CLIP", "CLIPTraining"]
        ),
        .executableTarget(
            name: "clip",
            dependencies: ["CLIP", "CLIPSearch", "CLIPTraining", "CLIPServer", "CLIPLab", "CLIPBundledModel",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // What every test target shares: the fixtures (through Bundle.module), checkTensor, temporary folders,
        // the `clip` process runner and tiny configs.
        .target(
            name: "CLIPTestSupport",
            dependencies: ["CLIP"],
            path: "Tests/CLIPTestSupport",
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "CLIPSearchTests",
            // PostgresNIO: the schema tests make a database of their own and look into it as its owner.
            dependencies: ["CLIP", "CLIPSearch", "CLIPTestSupport", "CSearchKernels",
                           .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        .testTarget(
            name: "CLIPServerTests",
            dependencies: ["CLIP", "CLIPServer", "CLIPTestSupport",
                           .product(name: "HummingbirdTesting", package: "hummingbird")]
        ),
        .testTarget(
            name: "CLIPLabTests",
            dependencies: ["CLIP", "CLIPTraining", "CLIPLab", "CLIPBundledModel", "CLIPTestSupport"]
        ),
        .testTarget(
            name: "CLIPTrainingTests",
            dependencies: ["CLIP", "CLIPTraining", "CLIPTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "CLIPTests",
            dependencies: ["CLIP", "CKernels", "CLIPTestSupport"]
        ),
    ]
)
