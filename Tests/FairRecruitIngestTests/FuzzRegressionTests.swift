import FairRecruitCore
import Foundation
import Testing
@testable import FairRecruitIngest

/// Inputs found by `scripts/fuzz.sh` (and hand-made hostile ones) are replayed on every test run:
/// each must be read or refused with a located error, never crash.
private let regressions = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("FuzzRegressions").path

func regressionFiles(_ target: String) -> [String] {
    let folder = regressions + "/" + target
    return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted().map { folder + "/" + $0 }
}

/// True when the error is a refusal located as `file:line:column: error:`.
func isLocated(_ error: IngestError, _ path: String) -> Bool {
    guard case .malformed(let location, _) = error else { return false }
    return location.file == path && location.line >= 1 && location.column >= 1
        && "\(error)".hasPrefix("\(path):\(location.line):\(location.column): error: ")
}

@Suite struct FuzzRegressionTests {
    let categories = FeeCategories(categories: [.init(code: "recruitment_fee", title: "Recruitment fee")], groups: [:])
    let rates = ExchangeRates([.init(currency: "NPR", unitsPerUSD: ExactDecimal(100), asOf: Day(iso: "2024-01-01")!, source: "t")])

    @Test(arguments: regressionFiles("csv") + regressionFiles("xml"))
    func aHostileInputIsReadOrRefusedWithALocation(path: String) {
        let ledger = FeeLedger(asOf: Day(iso: "2026-06-30")!, categories: categories, occupations: Occupations([]), rates: rates, agencyFilter: nil)
        do {
            try ledger.read(path)
            let file = ledger.files[0]
            #expect(file.rowsRead == file.acceptedByAgency.values.reduce(0, +) + file.rejections.count)
        } catch {
            #expect(isLocated(error, path), "\(error)")
        }
        if path.hasSuffix(".xml") {
            do { try AnswerBook(questions: [:], agencyFilter: nil).read(path) } catch { #expect(isLocated(error, path), "\(error)") }
        }
    }

    @Test func thereAreRegressionInputsToReplay() {
        #expect(regressionFiles("csv").count >= 3 && regressionFiles("xml").count >= 3)
    }
}
