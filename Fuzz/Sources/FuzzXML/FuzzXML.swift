import FairRecruitCore
import FairRecruitIngest
import Foundation

// Fee records and self-assessments as XML, through the same path as an audit.
private let path = "/dev/shm/fairrecruit-fuzz-\(getpid()).xml"
private let categories = FeeCategories(categories: [.init(code: "recruitment_fee", title: "Recruitment fee")], groups: [:])
private let rates = ExchangeRates([.init(currency: "NPR", unitsPerUSD: ExactDecimal(100), asOf: Day(iso: "2024-01-01")!, source: "fuzz")])
private let questions = ["Q1": Question(id: "Q1", text: "?", answer: .yesNo, expect: .answer("yes"))]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size))
    let ledger = FeeLedger(asOf: Day(iso: "2026-06-30")!, categories: categories, occupations: Occupations([]), rates: rates, agencyFilter: nil)
    do { try ledger.readXML(path) } catch {}
    do { try AnswerBook(questions: questions, agencyFilter: nil).readXML(path) } catch {}
    return 0
}

// SwiftPM names an executable's entry point FuzzXML_main; hand control to libFuzzer's driver there.
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                       _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("FuzzXML_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments, fuzz)
}
