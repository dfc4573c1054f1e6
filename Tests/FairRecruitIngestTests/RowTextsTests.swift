import FairRecruitCore
import Testing
@testable import FairRecruitIngest

@Suite struct RowTextsTests {
    private func bytes(of texts: RowTexts, _ field: RowTexts.Field) -> String? {
        withUnsafePointer(to: texts) { $0.withBytes(field) { String(decoding: $0, as: UTF8.self) } }
    }

    @Test(arguments: [12, 200])   // in place, and past the 96 bytes kept in place
    func fieldsComeBackAsGivenAndAbsentOnesAsNil(employerLength: Int) {
        let employer = String(repeating: "é", count: employerLength / 2)
        var texts = RowTexts()
        for (field, text) in [(RowTexts.Field.agency, "AG-1"), (.worker, "W1"), (.employer, employer), (.recordID, "R-0001")] {
            var text = text
            text.withUTF8 { texts.add(field, $0) }
        }
        #expect(bytes(of: texts, .agency) == "AG-1")
        #expect(bytes(of: texts, .worker) == "W1")
        #expect(bytes(of: texts, .employer) == employer)
        #expect(bytes(of: texts, .sector) == nil)
        #expect(bytes(of: texts, .recordID) == "R-0001")
        #expect(bytes(of: texts, .repays) == nil)
        #expect(bytes(of: texts, .unknownOccupation) == nil)
    }

    @Test(arguments: [("24", 24), ("+5", 5), ("-3", -3), ("000012", 12), ("", nil), ("+", nil), ("1x", nil), ("1.5", nil),
                      ("99999999999999999999", nil), ("-9223372036854775808", Int.min)] as [(String, Int?)])
    func wholeNumbersAreReadAsIntReadsThem(text: String, value: Int?) {
        var text = text
        #expect(text.withUTF8 { Validators.integer($0) } == value)
        #expect(Int(text) == value)
    }

    @Test func longTextsOfARowReachItsRecord() throws {
        let agency = String(repeating: "A", count: 64)
        let worker = "W-" + String(repeating: "7", count: 60)
        let employer = "Grand Hotel & Residences " + String(repeating: "x", count: 80)
        let path = temporaryFile("long-texts.csv", """
        agency_id,worker_id,origin,destination,category,amount,currency,paid_by,paid_on,employer,record_id
        \(agency),\(worker),NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,\(employer),R-\(String(repeating: "9", count: 40))
        \(agency),W2,NP,MY,recruitment_fee,50,NPR,worker,2026-01-02,Small Hotel,R-2
        """)
        let ledger = FeeLedger(asOf: Day(iso: "2026-06-30")!, categories: FeeCategories(categories: [.init(code: "recruitment_fee", title: "Recruitment fee")], groups: [:]),
                               occupations: Occupations([]), rates: ExchangeRates([.init(currency: "NPR", unitsPerUSD: ExactDecimal(100), asOf: Day(iso: "2024-01-01")!, source: "t")]),
                               agencyFilter: nil)
        try ledger.readCSV(path)
        ledger.finish()
        let records = try #require(ledger.records[agency])
        #expect(records.map(\.workerID) == [worker, "W2"])
        #expect(records.map(\.employer) == [employer, "Small Hotel"])
        #expect(records.map(\.recordID) == ["R-" + String(repeating: "9", count: 40), "R-2"])
    }
}
