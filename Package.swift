// swift-tools-version:6.1
// MindVis: MinD-Vis (fMRI -> image) in Swift over OpenBLAS, scripted from Lua 5.4.
// Targets follow docs/DESIGN.md §1: C system libraries at the bottom, the Lua-free core
// (MindTensor, MindIO, MindVis) in the middle, and everything Lua-facing in MindLua.
import PackageDescription

let package = Package(
    name: "MindVis",
    products: [
        .library(name: "MindTensor", targets: ["MindTensor"]),
        .executable(name: "mindvis", targets: ["mindvis"]),
    ],
    dependencies: [
        // Deflate for .npz files and writing zip archives; MindIO reads zip directories itself (see ZipReader.swift).
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        // libedit (BSD licence) for line editing; GNU readline is GPL and deliberately not used.
        .systemLibrary(name: "CEdit", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .target(name: "LuaShim", dependencies: ["CLua"]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        // libjpeg reports errors by longjmp: the setjmp lives in this C helper, never in a Swift frame.
        .target(name: "CImageShim", dependencies: ["CJPEG"]),
        // MindTensor for the random streams (Xoshiro256StarStar) of the augmentations.
        .target(name: "MindImage", dependencies: ["CPNG", "CImageShim", "MindTensor"]),
        // Hot C loops in a portable variant plus AVX2 and AVX-512 variants chosen at start-up (README, "Platforms
        // and SIMD"); no compiler flags, so the package builds anywhere and can be a dependency. On glibc, libm's
        // linker script also brings in libmvec, the vector exp/log/tanh of the x86 variants.
        .target(name: "CKernels", linkerSettings: [.linkedLibrary("m")]),
        .target(name: "MindTensor", dependencies: ["COpenBLAS", "CKernels"]),
        .target(name: "MindIO", dependencies: ["MindTensor", "MindImage", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        // Open MPI for data-parallel training, loaded with dlopen only under mpirun (Sources/MPIShim): building and
        // running as one process need no MPI.
        .target(name: "MPIShim", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "MindVis", dependencies: ["MindTensor", "MindIO", "MindImage", "MPIShim"]),
        // Lists MindLua's binding sets and embeds its Lua library sources (Sources/MindLua/Lua) at build time.
        .executableTarget(name: "MindLuaCodegen"),
        .plugin(name: "MindLuaCodegenPlugin", capability: .buildTool(), dependencies: ["MindLuaCodegen"]),
        .target(name: "MindLua", dependencies: ["LuaShim", "CLua", "CEdit", "MindTensor", "MindIO", "MindImage", "MindVis"],
                exclude: ["Lua"], plugins: ["MindLuaCodegenPlugin"]),
        .executableTarget(name: "mindvis", dependencies: ["MindLua", "MindVis", "MindIO", "MindTensor"]),
        .executableTarget(name: "MindBench", dependencies: ["MindTensor", "MindVis", "COpenBLAS", "CKernels"]),
        .testTarget(name: "MindTensorTests", dependencies: ["MindTensor", "CKernels"]),
        .testTarget(name: "MindImageTests", dependencies: ["MindImage", "MindTensor"], exclude: ["Data"]),
        .testTarget(name: "MindIOTests", dependencies: ["MindIO", .product(name: "ZIPFoundation", package: "ZIPFoundation")], exclude: ["Data"]),
        .testTarget(name: "MindVisTests", dependencies: ["MindVis", "MindTensor", "MindIO", "MindImage"]),
        // Depends on the executable so that `swift test` always builds the `mindvis` binary the CLI tests spawn.
        .testTarget(name: "MindLuaTests", dependencies: ["MindLua", "LuaShim", "CLua", "MindTensor", "MindIO", "MindVis", "mindvis"], exclude: ["Data"]),
    ],
    swiftLanguageModes: [.v5]
)
