// swift-tools-version:6.0
import Foundation
import PackageDescription

// MARK: - System libraries (C wrappers found through pkg-config, installed with apt)

let systemLibraries: [Target] = [
    .systemLibrary(
        name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
        providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(
        name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
        providers: [.apt(["libpng-dev"])]),
    .systemLibrary(
        name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
        providers: [.apt(["zlib1g-dev"])]),
]

// MARK: - Library modules (dependencies only point down)

// Release builds use the default -O: bounds and overflow checks stay on, so bad input stops
// with an error instead of corrupting memory (hot loops run on unsafe pointers anyway).
//
// Code is generated for the vector unit of the machine that builds it (skylake-avx512 with AVX-512,
// haswell with AVX2 + FMA, else the baseline; `SIFT_TARGET_CPU` overrides, `SIFT_TARGET_CPU=` turns it off):
// the baseline has only SSE2, which splits every 8-lane SIMD operation in two. Without fast-math
// the compiler never fuses or reorders float operations, so results are bit-identical on every
// level (the golden tests pin them); only speed changes. A binary built so does not run on a CPU
// without those instructions.
func targetCPU() -> String? {
    if let chosen = Context.environment["SIFT_TARGET_CPU"] { return chosen.isEmpty ? nil : chosen }
    #if arch(x86_64) && os(Linux)
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })?.split(separator: " ").map(String.init) else { return nil }
    if ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(flags.contains) { return "skylake-avx512" }
    if ["avx2", "fma", "bmi2"].allSatisfy(flags.contains) { return "haswell" }
    #endif
    return nil
}

/// Whether the target has 32 vector registers of 16 floats (AVX-512): the matrix kernels then use
/// their 8 × 32 register tiles, else 4 × 16 tiles that fit AVX2's 16 registers of 8 floats. Both
/// round every output identically; only speed differs.
func wideVectors(_ cpu: String?) -> Bool {
    guard let cpu else { return false }
    return cpu.contains("avx512") || ["cascadelake", "cooperlake", "icelake-client", "icelake-server", "tigerlake", "sapphirerapids",
                                      "graniterapids", "znver4", "znver5"].contains(cpu)
}

let optimised: [SwiftSetting] = (targetCPU().map { [.unsafeFlags(["-target-cpu", $0])] } ?? [])
    + (wideVectors(targetCPU()) ? [.define("SIFT_AVX512")] : [])

// SiftUtilities (atomic writes, FNV-1a, CSV tables, summary statistics) depends on nothing; only
// SiftTensor calls OpenBLAS; SiftReport depends on no engine module.
let libraries: [Target] = [
    .target(name: "SiftUtilities", swiftSettings: optimised),
    .target(name: "SiftTensor", dependencies: ["COpenBLAS"], swiftSettings: optimised),
    .target(name: "SiftNN", dependencies: ["SiftTensor", "SiftUtilities"], swiftSettings: optimised),
    .target(name: "SiftData", dependencies: ["SiftTensor", "SiftUtilities", "CPNG", "CZlib"], swiftSettings: optimised),
    // The external worker protocol (docs/WORKER-PROTOCOL.md): child processes that serve velocities and scores.
    .target(name: "SiftWorker", dependencies: ["SiftNN", "SiftUtilities"], swiftSettings: optimised),
    .target(name: "SiftModels", dependencies: ["SiftTensor", "SiftNN", "SiftData", "SiftUtilities", "SiftWorker"], swiftSettings: optimised),
    .target(name: "SiftMetrics", dependencies: ["SiftTensor", "SiftUtilities"], swiftSettings: optimised),
    .target(name: "SiftSearch", dependencies: ["SiftTensor", "SiftNN", "SiftData", "SiftModels", "SiftMetrics", "SiftUtilities", "SiftWorker"], swiftSettings: optimised),
    .target(name: "SiftReport", dependencies: ["SiftUtilities", .product(name: "Yams", package: "Yams")], swiftSettings: optimised),
    .target(
        name: "SiftExperiments",
        dependencies: ["SiftTensor", "SiftData", "SiftModels", "SiftMetrics", "SiftSearch", "SiftUtilities", "SiftWorker", .product(name: "Yams", package: "Yams")],
        swiftSettings: optimised),
]

// MARK: - The `sift` command

let executables: [Target] = [
    // Fuzz harnesses of the loaders (`make fuzz`); without libFuzzer, a replayer of their corpora.
    .executableTarget(
        name: "sift-fuzz",
        dependencies: ["SiftUtilities", "SiftNN", "SiftData", "SiftMetrics", "SiftExperiments", "SiftReport"],
        swiftSettings: optimised),
    .executableTarget(
        name: "sift",
        dependencies: [
            "SiftUtilities", "SiftTensor", "SiftNN", "SiftData", "SiftModels", "SiftMetrics", "SiftSearch", "SiftExperiments", "SiftReport",
            "SiftWorker", "COpenBLAS",  // the GEMM bench times cblas_sgemm itself
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Yams", package: "Yams"),
        ],
        swiftSettings: optimised),
]

// MARK: - Tests (swift-testing); fixtures live in Tests/Fixtures

let tests: [Target] = [
    .testTarget(name: "SiftUtilitiesTests", dependencies: ["SiftUtilities"]),
    .testTarget(name: "SiftTensorTests", dependencies: ["SiftTensor"]),
    .testTarget(name: "SiftNNTests", dependencies: ["SiftNN"]),
    .testTarget(name: "SiftDataTests", dependencies: ["SiftData"]),
    .testTarget(name: "SiftWorkerTests", dependencies: ["SiftWorker", "SiftNN"]),
    .testTarget(name: "SiftModelsTests", dependencies: ["SiftModels"]),
    .testTarget(name: "SiftMetricsTests", dependencies: ["SiftMetrics", "SiftUtilities"]),
    .testTarget(name: "SiftSearchTests", dependencies: ["SiftSearch", "SiftUtilities"]),
    .testTarget(name: "SiftExperimentsTests", dependencies: ["SiftExperiments", "SiftSearch", "SiftUtilities"]),
    .testTarget(name: "SiftReportTests", dependencies: ["SiftReport"]),
]

let package = Package(
    name: "Sift",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sift", targets: ["sift"]),
        .library(name: "SiftUtilities", targets: ["SiftUtilities"]),
        .library(name: "SiftTensor", targets: ["SiftTensor"]),
        .library(name: "SiftNN", targets: ["SiftNN"]),
        .library(name: "SiftData", targets: ["SiftData"]),
        .library(name: "SiftWorker", targets: ["SiftWorker"]),
        .library(name: "SiftModels", targets: ["SiftModels"]),
        .library(name: "SiftMetrics", targets: ["SiftMetrics"]),
        .library(name: "SiftSearch", targets: ["SiftSearch"]),
        .library(name: "SiftExperiments", targets: ["SiftExperiments"]),
        .library(name: "SiftReport", targets: ["SiftReport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: systemLibraries + libraries + executables + tests,
    swiftLanguageModes: [.v6]
)
