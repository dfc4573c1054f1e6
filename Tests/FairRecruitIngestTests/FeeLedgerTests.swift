@testable import FairRecruitCore
import Foundation
import Testing
@testable import FairRecruitIngest

private let categories = FeeCategories(categories: [
    .init(code: "recruitment_fee", title: "Recruitment fee", synonyms: ["placement fee"]),
    .init(code: "air_ticket", title: "Air ticket", synonyms: ["airfare"]),
    .init(code: "other", title: "Other", requiresDescription: true),
], groups: [:])
private let occupations = Occupations([.init(code: "domestic_worker", title: "Domestic worker", synonyms: ["housemaid"])])
private let rates = ExchangeRates([
    .init(currency: "NPR", unitsPerUSD: ExactDecimal(100), asOf: Day(iso: "2024-01-01")!, source: "t"),
    .init(currency: "MYR", unitsPerUSD: ExactDecimal(4), asOf: Day(iso: "2024-01-01")!, source: "t"),
])
private let header = "agency_id,worker_id,origin,destination,category,amount,currency,paid_by,paid_on,refunded_amount,refunded_on,monthly_wage,wage_currency,occupation,record_id,description\n"

private func ledger(_ name: String, _ rows: [String], agency: String? = nil) throws -> FeeLedger {
    let ledger = FeeLedger(asOf: Day(iso: "2026-06-30")!, categories: categories, occupations: occupations, rates: rates, agencyFilter: agency)
    try ledger.readCSV(temporaryFile(name, header + rows.joined(separator: "\n") + "\n"))
    ledger.finish()
    return ledger
}

@Suite struct FeeLedgerTests {
    @Test(arguments: [
        ("A1,W1,NP,MY,visa fee,100,NPR,worker,2026-01-01,,,,,,,", "unknown category 'visa fee'"),
        ("A1,W1,NP,MY,placement fees,100,NPR,worker,2026-01-01,,,,,,,", "unknown category 'placement fees'; did you mean 'placement_fee'?"),
        ("A1,W1,NP,MY,recruitment_fee,100,XYZ,worker,2026-01-01,,,,,,,", "unknown currency 'XYZ' (not in the exchange rates)"),
        ("A1,W1,NP,MY,recruitment_fee,-5,NPR,worker,2026-01-01,,,,,,,", "amount '-5' is negative"),
        ("A1,W1,NP,MY,recruitment_fee,1 000,NPR,worker,2026-01-01,,,,,,,", "amount '1 000' is not a number (use digits and '.', no grouping)"),
        ("A1,W1,NP,MY,recruitment_fee,1234567890123456.5,NPR,worker,2026-01-01,,,,,,,", "amount '1234567890123456.5' is too large (at most 1000000000000000)"),
        ("A1,W1,NP,MY,recruitment_fee,1.1234567,NPR,worker,2026-01-01,,,,,,,", "amount '1.1234567' has more than 6 decimal places"),
        ("A1,W1,NP,MY,recruitment_fee,100,NPR,worker,2026-02-30,,,,,,,", "paid_on '2026-02-30' is not a real date"),
        ("A1,W1,NP,MY,recruitment_fee,100,NPR,worker,01/02/2026,,,,,,,", "paid_on '01/02/2026' is not an ISO 8601 date (YYYY-MM-DD)"),
        ("A1,W1,NP,MY,recruitment_fee,100,NPR,worker,2026-07-01,,,,,,,", "paid_on 2026-07-01 is after the audit date 2026-06-30"),
        ("A1,W1,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,150,2026-02-01,,,,,", "refunded_amount 150 is larger than the payment 100"),
        ("A1,W1,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,50,2025-12-31,,,,,", "refunded_on 2025-12-31 is before paid_on 2026-01-01"),
        ("A1,W1,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,50,,,,,,", "refunded_amount is given without refunded_on"),
        ("A1,W1,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,abc,,,,,,", "refunded_amount 'abc' is not a number (use digits and '.', no grouping)"),
        ("A1/x,W1,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,,,,,,,", "invalid agency_id 'A1/x': 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"),
        ("A1,,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,,,,,,,", "missing worker_id"),
        ("A1,W1,NPL,MY,recruitment_fee,100,NPR,worker,2026-01-01,,,,,,,", "origin 'NPL' is not an ISO 3166-1 alpha-2 country code"),
        ("A1,W1,NP,MY,recruitment_fee,100,NPR,broker,2026-01-01,,,,,,,", "paid_by 'broker' must be one of worker, employer, agency, government, other"),
        ("A1,W1,NP,MY,other,100,NPR,worker,2026-01-01,,,,,,,", "category 'other' needs a description"),
        ("A1,W1,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,,,0,MYR,,,", "monthly_wage '0' must be a number above 0"),
        ("A1,W1,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,,,", "expected 16 fields, found 12"),
    ])
    func aBadRowIsRejectedWithItsLineAndReason(row: String, reason: String) throws {
        let ledger = try ledger("bad-row-\(UUID().uuidString).csv", ["A1,W0,NP,MY,recruitment_fee,1,NPR,worker,2026-01-01,,,,,,,", row])
        let file = try #require(ledger.files.first)
        #expect(file.rowsRead == 2)
        #expect(file.rejections.map(\.location.line) == [3])
        #expect(file.rejections.map(\.reason) == [reason])
        #expect(ledger.records["A1"]?.count == 1)
    }

    @Test func valuesAreNormalisedAndUnknownColumnsNeverKept() throws {
        let path = temporaryFile("normalised.csv", """
        Agency_ID,WORKER_ID,Origin,Destination,Category,Amount,Currency,Paid_By,Paid_On,Passport_No,Occupation,Receipt
        A1,W1,np,my,Placement-Fee,100.50,npr,Worker,2026-01-01,PA1234567,Housemaid,YES

        """)
        let ledger = FeeLedger(asOf: Day(iso: "2026-06-30")!, categories: categories, occupations: occupations, rates: rates, agencyFilter: nil)
        try ledger.readCSV(path)
        let record = try #require(ledger.records["A1"]?.first)
        #expect(record.origin == "NP" && record.destination == "MY")
        #expect(record.category == "recruitment_fee")
        #expect(record.amount == ExactDecimal(parsing: "100.5"))
        #expect(record.currency == "NPR" && record.paidBy == .worker && record.receipt == true)
        #expect(record.occupation == "domestic_worker")
        #expect(!"\(record)".contains("PA1234567"))
    }

    @Test func aMissingRequiredColumnStopsTheFile() throws {
        let path = temporaryFile("missing-column.csv", "agency_id,worker_id,origin,destination,category,amount,curency,paid_by,paid_on\n")
        let ledger = FeeLedger(asOf: Day(iso: "2026-06-30")!, categories: categories, occupations: occupations, rates: rates, agencyFilter: nil)
        #expect { try ledger.readCSV(path) } throws: { error in
            "\(error)" == "\(path):1:1: error: missing required column 'currency' (found 'curency')"
        }
    }

    @Test func rowsSpanningAPlacementMustAgreeAndRecordIdsAreUnique() throws {
        let ledger = try ledger("placement.csv", [
            "A1,W1,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,,,1500,MYR,housemaid,R1,",
            "A1,W1,NP,MY,air_ticket,100,NPR,worker,2026-01-02,,,1600,MYR,,R2,",
            "A1,W1,NP,MY,airfare,100,NPR,worker,2026-01-03,,,,,,R1,",
            "A1,W1,IN,MY,airfare,100,NPR,worker,2026-01-03,,,,,,R3,",
            "A1,W1,NP,MY,airfare,100,NPR,worker,2026-01-04,,,1500,MYR,domestic_worker,R4,",
        ])
        let reasons = ledger.files[0].rejections.map { "\($0.location.line): \($0.reason)" }
        let path = ledger.files[0].file
        #expect(reasons == [
            "3: monthly_wage 1600 MYR differs from 1500 MYR given for this placement at \(path):2",
            "4: duplicate record_id 'R1', first at \(path):2",
            "5: origin IN differs from NP given for this placement at \(path):2",
        ])
        #expect(ledger.records["A1"]?.count == 2)
    }

    /// A placement is an agency, a worker and a destination: the same worker id with another
    /// agency or destination is another placement, checked on its own, however the rows interleave.
    @Test func aWorkersPlacementsAreToldApartByAgencyAndDestination() throws {
        let ledger = try ledger("placements.csv", [
            "A1,W1,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,,,1500,MYR,,,",
            "A2,W1,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,,,1700,MYR,,,",
            "A1,W1,NP,QA,recruitment_fee,100,NPR,worker,2026-01-02,,,900,MYR,,,",
            "A1,W1,NP,MY,air_ticket,100,NPR,worker,2026-01-03,,,1600,MYR,,,",
            "A2,W1,NP,MY,air_ticket,100,NPR,worker,2026-01-03,,,1700,MYR,,,",
            "A1,W1,NP,QA,air_ticket,100,NPR,worker,2026-01-04,,,950,MYR,,,",
            "A1,W1,NP,MY,airfare,100,NPR,worker,2026-01-05,,,1500,MYR,,,",
            "A1,W2,NP,MY,airfare,100,NPR,worker,2026-01-05,,,2000,MYR,,,",
        ])
        let path = ledger.files[0].file
        #expect(ledger.files[0].rejections.map { "\($0.location.line): \($0.reason)" } == [
            "5: monthly_wage 1600 MYR differs from 1500 MYR given for this placement at \(path):2",
            "7: monthly_wage 950 MYR differs from 900 MYR given for this placement at \(path):4",
        ])
        #expect(ledger.records["A1"]?.map { "\($0.workerID) \($0.destination) \($0.location.line)" } == ["W1 MY 2", "W1 QA 4", "W1 MY 8", "W2 MY 9"])
        #expect(ledger.records["A2"]?.map(\.location.line) == [3, 6])
        #expect(ledger.store.placements.count == 4)
    }

    @Test func everyRowIsAcceptedRejectedOrCountedForAnotherAgency() throws {
        let ledger = try ledger("reconcile.csv", [
            "A1,W1,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,,,,,,,",
            "A2,W9,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,,,,,,,",
            "A2,W9,NP,MY,bogus,100,NPR,worker,2026-01-01,,,,,,,",
            "A1,W2,NP,MY,bogus,100,NPR,worker,2026-01-01,,,,,,,",
            "A1,W3,NP,MY,recruitment_fee,abc,NPR,worker,2026-01-01,,,,,,,",
        ], agency: "A1")
        let file = ledger.files[0]
        let accepted = file.acceptedByAgency.values.reduce(0, +)
        let other = ledger.otherAgencyRows[file.file] ?? 0
        #expect(file.rowsRead == 5)
        #expect(accepted == 1 && file.rejections.count == 2 && other == 2)
        #expect(file.rowsRead == accepted + file.rejections.count + other)
    }

    @Test func keptRowsWithDoubtfulValuesBecomeDataQualityNotes() throws {
        let ledger = try ledger("notes.csv", [
            "A1,W1,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,,,1500,,astronaut,,",
        ])
        #expect(ledger.records["A1"]?.first?.wageCurrency == "NPR")
        #expect(ledger.records["A1"]?.first?.occupation == nil)
        #expect(ledger.notes.map(\.code) == ["unknown-occupation", "wage-currency-assumed"])
    }
}

@Suite struct AnswerBookTests {
    let questions: [String: Question] = [
        "Q-YES": Question(id: "Q-YES", text: "?", answer: .yesNo, expect: .answer("yes")),
        "Q-PART": Question(id: "Q-PART", text: "?", answer: .yesPartialNo, expect: .answer("yes"), allowNA: true),
        "Q-NUM": Question(id: "Q-NUM", text: "?", answer: .number, expect: .range(min: nil, max: ExactDecimal(90))),
        "Q-DATE": Question(id: "Q-DATE", text: "?", answer: .date, expect: .withinDays(30)),
    ]

    @Test func answersAreCheckedAgainstTheirQuestionAndTheFirstOneCounts() throws {
        let path = temporaryFile("answers.csv", """
        agency_id,question_id,answer,evidence,comment
        A1,Q-YES, Yes ,policy.pdf,"a comment, with a comma"
        A1,Q-YES,no,,
        A1,Q-PART,NA,,
        A1,Q-NUM,"1,000",,
        A1,Q-DATE,2026-13-01,,
        A1,Q-YESS,yes,,
        A1,Q-NUM,,,
        A1,Q-PART,maybe,,

        """)
        let book = AnswerBook(questions: questions, agencyFilter: nil)
        try book.readCSV(path)
        let file = book.files[0]
        #expect(file.rejections.map { "\($0.location.line): \($0.reason)" } == [
            "3: duplicate answer, first at \(path):2",
            "5: answer '1,000' to Q-NUM must be a number (digits and '.', no grouping)",
            "6: answer '2026-13-01' to Q-DATE must be a date (YYYY-MM-DD)",
            "7: unknown question 'Q-YESS'; did you mean 'Q-YES'?",
            "9: answer 'maybe' to Q-PART must be yes, partial or no",
        ])
        #expect(book.answers["A1"]?["Q-YES"]?.value == "yes")
        #expect(book.answers["A1"]?["Q-YES"]?.comment == "a comment, with a comma")
        #expect(book.answers["A1"]?["Q-PART"]?.value == "na")
        #expect(book.answers["A1"]?["Q-NUM"] == nil)   // an empty answer is no answer
        #expect(file.rowsRead == 8)
        #expect(file.acceptedByAgency["A1"] == 3)
    }
}

@Suite struct FeeStoreRoundTripTests {
    @Test func recordsRejectionsAndNotesNameTheFileTheyCameFrom() throws {
        // A stored record keeps no file of its own: it follows from where the record sits in the
        // store, so a file with no accepted row between two others must not shift the rest.
        let first = temporaryFile("files-first.csv", header + "A1,W1,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,,,,,,R1,\n")
        let empty = temporaryFile("files-empty.csv", header + "A1,W2,NP,MY,visa fee,100,NPR,worker,2026-01-01,,,,,,R2,\n")
        let third = temporaryFile("files-third.csv", header + """
            A1,W3,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,,,,,,R1,
            A1,W3,NP,MY,recruitment_fee,100,NPR,worker,2026-01-02,,,500,,,R3,
            A1,W1,IN,MY,recruitment_fee,100,NPR,worker,2026-01-03,,,,,,R4,

            """)
        let ledger = FeeLedger(asOf: Day(iso: "2026-06-30")!, categories: categories, occupations: occupations, rates: rates, agencyFilter: nil)
        for path in [first, empty, third] { try ledger.readCSV(path) }
        ledger.finish()
        #expect(ledger.records["A1"]?.map(\.location) == [SourceLocation(file: first, line: 2), SourceLocation(file: third, line: 3)])
        #expect(ledger.files.map(\.rejections.count) == [0, 1, 2])
        #expect(ledger.files[2].rejections.map(\.reason) == [
            "duplicate record_id 'R1', first at \(first):2",
            "origin IN differs from NP given for this placement at \(first):2",
        ])
        #expect(ledger.notes.map(\.location) == [SourceLocation(file: third, line: 3)])
    }

    /// The engine numbers placements and workers in order of first appearance among an agency's
    /// records; the store must give the same numbers (``RecordGrouping``): workers with several
    /// placements in one agency and placements in several agencies, agencies interleaved, a
    /// second file, and rejected rows, which make no placement.
    @Test func theStoreNumbersPlacementsAndWorkersAsTheEngineDoes() throws {
        let first = temporaryFile("grouping-1.csv", header + """
            A1,W1,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,,,,,,R1,
            A2,W1,NP,QA,recruitment_fee,100,NPR,worker,2026-01-01,,,,,,R2,
            A1,W2,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,,,,,,R3,
            A1,W1,NP,QA,air_ticket,100,NPR,worker,2026-01-02,,,,,,R4,
            A1,W3,NP,QA,air_ticket,100,NPR,worker,2026-01-02,,,,,,R1,
            A1,W2,IN,MY,air_ticket,100,NPR,worker,2026-01-02,,,,,,R5,
            A1,W1,NP,MY,air_ticket,100,NPR,worker,2026-01-03,,,,,,R6,

            """)
        let second = temporaryFile("grouping-2.csv", header + """
            A2,W2,NP,MY,recruitment_fee,100,NPR,worker,2026-01-04,,,,,,R7,
            A1,W4,NP,MY,recruitment_fee,100,NPR,worker,2026-01-04,,,,,,R8,
            A1,W2,NP,QA,recruitment_fee,100,NPR,worker,2026-01-04,,,,,,R9,
            A2,W1,NP,QA,air_ticket,100,NPR,worker,2026-01-05,,,,,,R10,

            """)
        let ledger = FeeLedger(asOf: Day(iso: "2026-06-30")!, categories: categories, occupations: occupations, rates: rates, agencyFilter: nil)
        for path in [first, second] { try ledger.readCSV(path) }
        ledger.finish()
        #expect(ledger.files.flatMap(\.rejections).count == 2)   // R1 again (W3's only row), W2's origin
        // A1: W1 to MY, W2 to MY, W1 to QA, W1 to MY, W4 to MY, W2 to QA.
        let a1 = ledger.store.audited("A1")
        #expect(a1.grouping == RecordGrouping(placementOfRecord: [0, 1, 2, 0, 3, 4], workerOfRecord: [0, 1, 0, 0, 2, 1]))
        for agency in ["A1", "A2"] {
            let (records, grouping) = ledger.store.audited(agency)
            let given = PlacementBook(records: records, rates: rates, grouping: grouping)
            let found = PlacementBook(records: records, rates: rates)
            #expect(given.workerIDs == found.workerIDs)
            #expect(given.workerOfRecord == found.workerOfRecord)
            #expect(given.placements.map { [$0.worker] + Array($0.records) } == found.placements.map { [$0.worker] + Array($0.records) })
            #expect(given.placements.map { "\($0.workerID) \($0.destination) \($0.origin)" } == found.placements.map { "\($0.workerID) \($0.destination) \($0.origin)" })
        }
    }

    @Test func storedRecordsComeBackAsTheyWereRead() throws {
        let ledger = try ledger("store.csv", [
            "A1,W1,NP,MY,recruitment_fee,25000000000000.5,NPR,worker,2026-01-01,1000.25,2026-02-01,1500,MYR,housemaid,R1,",
            "A1,W1,NP,MY,airfare,38000,NPR,worker,2026-01-02,,,,,,R2,",
            "A2,W1,NP,MY,other,10,NPR,employer,2026-01-03,,,,,,R1,a gift",
        ])
        let a1 = try #require(ledger.records["A1"])
        #expect(a1.map(\.amount) == [ExactDecimal(parsing: "25000000000000.5")!, ExactDecimal(38000)])   // beyond 64 bits of millionths, and not
        #expect(a1.map(\.refundedAmount) == [ExactDecimal(parsing: "1000.25")!, .zero])
        #expect(a1.map(\.refundedOn) == [Day(iso: "2026-02-01"), nil])
        #expect(a1.map(\.monthlyWage) == [ExactDecimal(1500), nil])   // the placement's wage, on the row that gave it
        #expect(a1.map(\.occupation) == ["domestic_worker", nil])
        #expect(a1.map(\.category) == ["recruitment_fee", "air_ticket"])
        #expect(a1.map(\.location.line) == [2, 3])
        let a2 = try #require(ledger.records["A2"]?.first)
        #expect(a2.recordID == "R1" && a2.paidBy == .employer && a2.workerID == "W1")   // the same record id in another agency is fine
        #expect(ledger.store.count == 3 && ledger.store.records(of: "A1").count == 2)
    }
}

@Suite struct RebuiltRecordsTests {
    /// A large agency's records are rebuilt in pieces on every core (a single audit); they must
    /// come out as one core rebuilds them: the same records, in input order. 140,000 records
    /// make three pieces, the last one short; workers, employers, refunds, record ids and two
    /// files vary across the pieces' edges.
    @Test func rebuildingOnAllCoresGivesTheSameRecordsInOrder() throws {
        func rows(_ range: Range<Int>) -> String {
            range.map { i in
                let refund = i % 7 == 0 ? "10,2026-02-01" : ","
                return "A1,W\(i / 3),NP,MY,\(i % 2 == 0 ? "recruitment_fee" : "air_ticket"),\(100 + i % 50),NPR,worker,2026-01-01,\(refund),,,,R\(i),"
            }.joined(separator: "\n") + "\n"
        }
        let ledger = FeeLedger(asOf: Day(iso: "2026-06-30")!, categories: categories, occupations: occupations, rates: rates, agencyFilter: nil)
        try ledger.readCSV(temporaryFile("rebuilt-1.csv", header + rows(0..<70_001)))
        try ledger.readCSV(temporaryFile("rebuilt-2.csv", header + rows(70_001..<140_000)))
        ledger.finish()
        let onOneCore = ledger.store.audited("A1")
        #expect(onOneCore.records.count == 140_000)
        let onAllCores = ledger.store.audited("A1", onAllCores: true)
        #expect(onAllCores.records == onOneCore.records)
        #expect(onAllCores.grouping == onOneCore.grouping)
        #expect(onOneCore.grouping.workerOfRecord.last == 46_666)
    }
}

@Suite struct SegmentedLedgerTests {
    /// Rows with every kind of outcome: accepted, rejected on their own, rejected across rows
    /// (duplicate record id, a placement that disagrees), other agencies, data-quality notes.
    static let rows: [String] = (1...240).map { i in
        let agency = i % 3 == 0 ? "B\(i % 2)" : "A\(i % 4)"
        switch i % 17 {
        case 0: return "\(agency),W\(i / 5),NP,MY,recruitment_fee,-\(i),NPR,worker,2026-01-01,,,,,,R\(i),"
        case 5: return "\(agency),W\(i / 5),NP,MY,recruitment_fee,\(i),NPR,worker,2026-01-01,,,,,,R\(i - 1),"
        case 9: return "\(agency),W\(i / 5),NP,MY,recruitment_fee,\(i),NPR,worker,2026-01-01,,,999,MYR,,R\(i),"
        case 11: return "\(agency),W\(i / 5),NP,MY,other,\(i),NPR,worker,2026-01-01,,,,,,R\(i),\"a \"\"quoted\"\"\nline\""
        default: return "\(agency),W\(i / 5),NP,MY,airfare,\(i).5,NPR,worker,2026-01-0\(1 + i % 9),\(i % 7 == 0 ? "\(i),2026-02-01" : ","),1500,\(i % 13 == 0 ? "" : "MYR"),\(i % 19 == 0 ? "cook" : "housemaid"),R\(i),"
        }
    }

    struct Outcome: Equatable {
        var records: [String: [FeeRecord]]
        var rejections: [String]
        var notes: [String]
        var accepted: [String: Int]
        var otherAgency: [String: Int]
    }

    static func read(_ path: String, segmentSize: Int?, agency: String? = nil) throws -> Outcome {
        let ledger = FeeLedger(asOf: Day(iso: "2026-06-30")!, categories: categories, occupations: occupations, rates: rates, agencyFilter: agency)
        if let segmentSize { ledger.segmentSize = segmentSize }
        try ledger.read(path)
        ledger.finish()
        return Outcome(records: ledger.records, rejections: ledger.files[0].rejections.map { "\($0.location.line) \($0.agencyID ?? "-") \($0.reason)" },
                       notes: ledger.notes.map { "\($0.location.line) \($0.code)" }, accepted: ledger.files[0].acceptedByAgency,
                       otherAgency: ledger.otherAgencyRows)
    }

    @Test func aFileReadInSegmentsGivesTheSameLedgerAsReadInOne() throws {
        let csv = temporaryFile("segmented-ledger.csv", header + Self.rows.joined(separator: "\n") + "\n")
        var xml = "<feeRecords>\n"
        for row in Self.rows where !row.contains("\"") {
            let values = row.split(separator: ",", omittingEmptySubsequences: false)
            let names = header.dropLast().split(separator: ",")
            xml += "  <fee " + zip(names, values).filter { !$0.1.isEmpty }.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: " ") + "/>\n"
        }
        xml += "</feeRecords>\n"
        let xmlPath = temporaryFile("segmented-ledger.xml", xml)
        for (path, agency) in [(csv, nil), (csv, "A1"), (xmlPath, nil)] {
            let whole = try Self.read(path, segmentSize: nil, agency: agency)
            #expect(!whole.rejections.isEmpty && !whole.notes.isEmpty && !whole.records.isEmpty)
            for size in [64, 200, 777] {
                #expect(try Self.read(path, segmentSize: size, agency: agency) == whole, "\(path) in segments of \(size)")
            }
        }
    }
}
