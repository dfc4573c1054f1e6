// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "fairrecruit",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fairrecruit", targets: ["fairrecruit"]),
        .library(name: "FairRecruitCore", targets: ["FairRecruitCore"]),
        // Every library module, for tools built on FairRecruit (the fuzz targets in Fuzz/).
        .library(name: "FairRecruitKit", targets: ["FairRecruitCore", "FairRecruitStandards", "FairRecruitIngest"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        // Model, evaluation, scoring and action plan. No file or network I/O.
        .target(name: "FairRecruitCore"),
        // Loading and validating standards (YAML), the reference tables beside them, and waiver files.
        .target(name: "FairRecruitStandards", dependencies: [
            "FairRecruitCore",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // libxml2 from the system (Debian: libxml2-dev), for streaming XML.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"]), .brew(["libxml2"])]),
        // A software prefetch for the ledger's hash tables (Swift has no spelling for one).
        .target(name: "CPrefetch"),
        // The open(2) flag for writing large reports around the page cache.
        .target(name: "CDirectIO"),
        // glibc's malloc thresholds (mallopt), set once when the command starts.
        .target(name: "CMalloc"),
        // Reading fee records and self-assessments (CSV and XML) into validated values.
        .target(name: "FairRecruitIngest", dependencies: ["FairRecruitCore", "CLibXML2", "CPrefetch"]),
        // JSON, Markdown, HTML (Mustache templates) and CSV reports.
        .target(name: "FairRecruitReports", dependencies: [
            "FairRecruitCore",
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Crypto", package: "swift-crypto"),   // the portfolio page's script hash (CSP)
        ]),
        // Past audits: the SQLite audit history (GRDB, an embedded file) and earlier reports read back as baselines.
        .target(name: "FairRecruitHistory", dependencies: [
            "FairRecruitCore",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // Commands and the audit pipeline that ties the modules together.
        .target(name: "FairRecruitCLI", dependencies: [
            "FairRecruitCore", "FairRecruitStandards", "FairRecruitIngest", "FairRecruitReports", "FairRecruitHistory", "CDirectIO", "CMalloc",
            .product(name: "Yams", package: "Yams"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "fairrecruit", dependencies: ["FairRecruitCLI"]),
        .testTarget(name: "FairRecruitCoreTests", dependencies: ["FairRecruitCore"]),
        .testTarget(name: "FairRecruitStandardsTests", dependencies: ["FairRecruitStandards"], exclude: ["Fixtures"]),
        .testTarget(name: "FairRecruitIngestTests", dependencies: ["FairRecruitIngest"]),
        .testTarget(name: "FairRecruitHistoryTests", dependencies: ["FairRecruitHistory", "FairRecruitReports"]),
        .testTarget(name: "FairRecruitReportsTests", dependencies: ["FairRecruitReports", "FairRecruitCLI"], exclude: ["Snapshots"]),
        // The shipped library: every standard valid, every worked example passing, generated docs fresh.
        .testTarget(name: "StandardsLibraryTests", dependencies: ["FairRecruitCLI"]),
        // Runs the built `fairrecruit` binary, so it depends on the executable to have it built.
        .testTarget(name: "EndToEndTests", dependencies: ["fairrecruit", "FairRecruitHistory"], exclude: ["Fixtures"]),
    ]
)
