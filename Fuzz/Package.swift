// swift-tools-version:6.1
// libFuzzer targets for FairRecruit's parsers. Not part of the main build: run scripts/fuzz.sh.
import PackageDescription

let package = Package(
    name: "fairrecruit-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "fairrecruit", path: "..")],
    targets: [
        .executableTarget(name: "FuzzCSV", dependencies: [.product(name: "FairRecruitKit", package: "fairrecruit")]),
        .executableTarget(name: "FuzzXML", dependencies: [.product(name: "FairRecruitKit", package: "fairrecruit")]),
        .executableTarget(name: "FuzzStandards", dependencies: [.product(name: "FairRecruitKit", package: "fairrecruit")]),
    ]
)
