import FairRecruitStandards
import Foundation

// A standard file, validated against the shipped reference tables (FAIRRECRUIT_STANDARDS, set by
// scripts/fuzz.sh to the repository's Standards/ folder).
private let path = "/dev/shm/fairrecruit-fuzz-\(getpid()).yaml"
private let tables = ProcessInfo.processInfo.environment["FAIRRECRUIT_STANDARDS"] ?? "Standards"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size))
    _ = try? StandardsLibrary.load(tablesDirectory: tables, directories: [], files: [path], currencies: ["NPR", "USD", "MYR"])
    return 0
}

// SwiftPM names an executable's entry point FuzzStandards_main; hand control to libFuzzer's driver there.
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                       _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("FuzzStandards_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments, fuzz)
}
