// swift-tools-version: 6.0
// swift-lars: a Swift deep-learning framework whose heavy arithmetic runs in OpenBLAS and whose
// signature feature is LARS (You, Gitman & Ginsburg 2017).
import Foundation
import PackageDescription

let package = Package(
    name: "swift-lars",
    products: [
        .library(name: "SwiftLARS", targets: ["SwiftLARS"]),
        .library(name: "LARSKernels", targets: ["LARSKernels"]),
        .library(name: "LARSCore", targets: ["LARSCore"]),
        .library(name: "LARSNN", targets: ["LARSNN"]),
        .library(name: "LARSOptimizers", targets: ["LARSOptimizers"]),
        .library(name: "LARSData", targets: ["LARSData"]),
        .library(name: "LARSTraining", targets: ["LARSTraining"]),
        .executable(name: "lars-train", targets: ["lars-train"]),
        .executable(name: "lars-bench", targets: ["lars-bench"]),
        .executable(name: "lars-fit", targets: ["lars-fit"]),
        .executable(name: "lars-folder-fit", targets: ["lars-folder-fit"]),
        .library(name: "LARSStudy", targets: ["LARSStudy"]),
        .executable(name: "lars-study", targets: ["lars-study"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation` (Scripts/check-docs.sh); no target depends on it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // OpenBLAS (CBLAS) and LAPACKE. Only LARSKernels imports it.
        .systemLibrary(
            name: "CBLAS", path: "Modules/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev", "pkgconf"])]),
        // zlib, for gzip-compressed IDX files. Only LARSData imports it.
        .systemLibrary(
            name: "CZlib", path: "Modules/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev", "pkgconf"])]),
        // libpng, for image-folder data sets. Only LARSData imports it.
        .systemLibrary(
            name: "CPNG", path: "Modules/CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev", "pkgconf"])]),

        .target(name: "LARSKernels", dependencies: ["CBLAS"]),
        .target(name: "LARSCore", dependencies: ["LARSKernels"]),
        .target(name: "LARSNN", dependencies: ["LARSCore"]),
        .target(name: "LARSOptimizers", dependencies: ["LARSCore"]),
        .target(name: "LARSData", dependencies: ["LARSCore", "CZlib", "CPNG"]),
        .target(name: "LARSTraining", dependencies: ["LARSCore", "LARSNN", "LARSOptimizers", "LARSData"]),
        // lars-study's grid, learning-rate rules, run directories and reports.
        .target(name: "LARSStudy", dependencies: ["LARSTraining"]),
        // The configuration's choices as command-line arguments, shared by lars-train and lars-study.
        .target(
            name: "LARSCommandLine",
            dependencies: ["LARSTraining", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .target(
            name: "SwiftLARS",
            dependencies: ["LARSKernels", "LARSCore", "LARSNN", "LARSOptimizers", "LARSData", "LARSTraining"]),

        .executableTarget(
            name: "lars-train",
            dependencies: ["SwiftLARS", "LARSCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "lars-bench",
            dependencies: ["SwiftLARS", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "lars-study",
            dependencies: ["LARSStudy", "LARSCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // A user's program: a least-squares and logistic-regression fit through the public API only.
        .executableTarget(name: "lars-fit", dependencies: ["SwiftLARS"], path: "Examples/LinearFit"),
        // A user's program: trains its own model on a folder of PNG images, saves and reloads it.
        .executableTarget(name: "lars-folder-fit", dependencies: ["SwiftLARS"], path: "Examples/FolderFit"),
        // The DocC "Getting started" article's program, exactly (GettingStartedExampleTests checks
        // that the article shows this file and runs it on a folder of PNG images).
        .executableTarget(name: "lars-getting-started", dependencies: ["SwiftLARS"], path: "Examples/GettingStarted"),
        // Each mistake a user can make with data, shapes and files, and the message it gets
        // (checked in a release build by Scripts/check-release-errors.sh).
        .executableTarget(name: "lars-mistakes", dependencies: ["SwiftLARS"], path: "Examples/Mistakes"),

        .target(name: "LARSTestSupport", dependencies: ["LARSCore"], path: "Tests/LARSTestSupport"),
        .testTarget(name: "LARSKernelsTests", dependencies: ["LARSKernels", "LARSCore", "LARSTestSupport"]),
        .testTarget(name: "LARSCoreTests", dependencies: ["LARSCore", "LARSTestSupport"]),
        .testTarget(name: "LARSNNTests", dependencies: ["LARSNN", "LARSTestSupport"]),
        .testTarget(
            name: "LARSOptimizersTests", dependencies: ["LARSOptimizers", "LARSNN", "LARSTestSupport"],
            exclude: ["reference"]),
        .testTarget(name: "LARSDataTests", dependencies: ["LARSData", "LARSTestSupport"]),
        .testTarget(
            name: "LARSTrainingTests", dependencies: ["LARSTraining", "SwiftLARS", "LARSTestSupport"],
            exclude: ["python", "Fixtures"]),
        // Runs the real lars-study and lars-train binaries, so it depends on both executables.
        .testTarget(name: "LARSStudyTests", dependencies: ["LARSStudy", "LARSTestSupport", "lars-study", "lars-train"]),
        // lars-bench's statistics and oracle checks, through `@testable import` of the executable.
        .testTarget(name: "LARSBenchTests", dependencies: ["lars-bench", "SwiftLARS"]),
    ],
    swiftLanguageModes: [.v6]
)

// Data parallelism on Open MPI (Modules/CMPI, LARSDistributed), built only with SWIFT_LARS_MPI=1 so
// that a machine without MPI builds and runs everything else. With it, lars-train also links
// LARSDistributed and can pick the MPI group under mpirun (`#if SWIFT_LARS_MPI`).
// oneDNN (Modules/CDNNL), the second convolution engine beside im2col + OpenBLAS, is compiled in
// when its header is installed (Debian's libdnnl-dev ships no pkg-config file to ask), so a
// machine without it builds and trains on OpenBLAS alone. SWIFT_LARS_DNNL=0 leaves it out even
// when installed (CI checks that build). Code uses `#if canImport(CDNNL)`.
if Context.environment["SWIFT_LARS_DNNL"] != "0" && FileManager.default.fileExists(atPath: "/usr/include/dnnl.h") {
    package.targets += [
        .systemLibrary(name: "CDNNL", path: "Modules/CDNNL", providers: [.apt(["libdnnl-dev"])])
    ]
    for target in package.targets where target.name == "LARSKernels" {
        target.dependencies.append("CDNNL")
    }
}

if Context.environment["SWIFT_LARS_MPI"] == "1" {
    package.products += [
        .library(name: "LARSDistributed", targets: ["LARSDistributed"]),
        .executable(name: "lars-mpi-check", targets: ["lars-mpi-check"]),
    ]
    package.targets += [
        .systemLibrary(
            name: "CMPI", path: "Modules/CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin", "pkgconf"])]),
        .target(name: "LARSDistributed", dependencies: ["LARSTraining", "CMPI"]),
        .executableTarget(
            name: "lars-mpi-check",
            dependencies: ["LARSDistributed", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "LARSDistributedTests", dependencies: ["LARSDistributed", "lars-mpi-check"]),
    ]
    for target in package.targets where target.name == "lars-train" {
        target.dependencies.append("LARSDistributed")
        // The MPI code is compiled by this condition, not by `canImport(LARSDistributed)`, which
        // also sees the module an earlier MPI build left in .build and then fails without CMPI.
        target.swiftSettings = (target.swiftSettings ?? []) + [.define("SWIFT_LARS_MPI")]
    }
}
