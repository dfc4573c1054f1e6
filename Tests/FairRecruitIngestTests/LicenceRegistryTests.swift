import FairRecruitCore
import Foundation
import Testing
@testable import FairRecruitIngest

@Suite struct LicenceRegistryTests {
    @Test func rowsAreValidatedAndBadOnesRejectedWithTheirLineAndReason() throws {
        let path = temporaryFile("registry-\(UUID().uuidString).csv", """
        Agency_ID,Name,Country,Licence_Status,Licence_Expires,Licence_Issued,Status_Since,Owner_Phone
        RL-0010,Orchard International,bd,Active,2027-06-30,2021-07-01,,+880100000
        RL-0030,Reaz Overseas,BD,suspended,,,2026-03-01,
        RL-0448,Micro Export House,BD,expired,2025-12-31,,,
        RL-0540,Eastland Network,BD,cancelled,2027-01-01,,,
        RL-0960,Shamia Overseas,BD,expired,,,,
        RL-1010,,BD,active,2027-01-01,,,
        RL 1306,Marjia International,BD,active,2027-01-01,,,
        RL-0133,Friends Marine Agency,BGD,active,2027-01-01,,,
        RL-0154,Intimate Business Associate,BD,active,2027-13-01,,,
        RL-0555,M/S Eastern Overseas,BD,active,2024-01-01,2025-01-01,,
        RL-0317,Enam International,BD,active,2027-01-01,,2026-01-01,
        RL-0010,Orchard International (again),BD,active,2028-01-01,,,

        """)
        let registry = try LicenceRegistry.read(path)
        #expect(registry.file.rejections.map { "\($0.location.line): \($0.reason)" } == [
            "2: agency_id 'RL-0010' is listed again at \(path):13; the agency counts as not listed",
            "5: licence_status 'cancelled' must be one of active, suspended, revoked, expired",
            "6: licence_status expired needs licence_expires",
            "7: missing name",
            "8: invalid agency_id 'RL 1306': 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
            "9: country 'BGD' is not an ISO 3166-1 alpha-2 country code",
            "10: licence_expires '2027-13-01' is not a real date",
            "11: licence_issued 2025-01-01 is after licence_expires 2024-01-01",
            "12: status_since is given for an active licence",
            "13: duplicate agency_id 'RL-0010', first at \(path):2; the agency counts as not listed",
        ])
        #expect(registry.file.rowsRead == 12)
        #expect(registry.file.acceptedByAgency.values.reduce(0, +) == 2)   // 12 read = 2 accepted + 10 rejected
        // Listed twice (active, then with another expiry): which row holds cannot be told.
        #expect(registry.agencies == ["RL-0030", "RL-0448"])
        // "Not listed" names the rows that were rejected.
        #expect(registry.lookup("RL-0010") == .notListed(registry: path, rejectedRows: [2, 13].map { SourceLocation(file: path, line: $0) }))
        let eastern = temporaryFile("registry-\(UUID().uuidString).csv", """
        agency_id,name,country,licence_status,licence_expires,licence_issued,status_since
        RL-0555,M/S Eastern Overseas,BD,active,2027-01-01,2021-01-01,
        RL-0555,M/S Eastern Overseas,BD,revoked,2027-01-01,2021-01-01,2025-01-01
        RL-0555,M/S Eastern Overseas,BD,active,2027-01-01,2021-01-01,

        """)
        let twice = try LicenceRegistry.read(eastern)
        #expect(twice.lookup("RL-0555") == .notListed(registry: eastern, rejectedRows: [2, 3, 4].map { SourceLocation(file: eastern, line: $0) }))
        #expect(twice.file.rejections.map(\.location.line) == [2, 3, 4])
        #expect(twice.file.acceptedByAgency.isEmpty)
        #expect(registry.entries["RL-0030"]?.statusSince == Day(iso: "2026-03-01"))
        #expect(registry.lookup("RL-0448") == .listed(registry.entries["RL-0448"]!))
        #expect(registry.lookup("RL-0540") == .notListed(registry: path, rejectedRows: [SourceLocation(file: path, line: 5)]))
        #expect(registry.lookup("RL-9999") == .notListed(registry: path))
        // Unknown columns (an owner's phone) are dropped as the row is read.
        #expect(!String(describing: registry.entries).contains("+880"))
    }

    @Test func aRegistryWithoutItsRequiredColumnsIsMalformed() throws {
        let path = temporaryFile("registry-columns-\(UUID().uuidString).csv", "agency_id,name,country\nA1,One,BD\n")
        #expect {
            try LicenceRegistry.read(path)
        } throws: { error in
            "\(error)" == "\(path):1:1: error: missing required columns 'licence_status', 'licence_expires'"
        }
    }
}

@Suite struct EmployerFilterTests {
    @Test func rowsAtOtherWorkplacesAreCountedNotRead() throws {
        let path = temporaryFile("employers-\(UUID().uuidString).csv", """
        agency_id,worker_id,origin,destination,category,amount,currency,paid_by,paid_on,employer
        A1,W1,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,Hotel North
        A1,W2,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,Hotel South
        A2,W3,NP,MY,recruitment_fee,100,NPR,worker,2026-01-01,
        A2,W4,NP,MY,bogus,100,NPR,worker,2026-01-01,Hotel North

        """)
        let rates = ExchangeRates([.init(currency: "NPR", unitsPerUSD: ExactDecimal(100), asOf: Day(iso: "2024-01-01")!, source: "t")])
        let ledger = FeeLedger(asOf: Day(iso: "2026-06-30")!, categories: FeeCategories(categories: [.init(code: "recruitment_fee", title: "Fee")], groups: [:]),
                               occupations: Occupations([]), rates: rates, agencyFilter: nil, employerFilter: ["Hotel North"])
        try ledger.readCSV(path)
        let file = ledger.files[0]
        #expect(ledger.records["A1"]?.map(\.workerID) == ["W1"])
        #expect(ledger.records["A2"] == nil)
        #expect(file.rejections.map(\.location.line) == [5])
        #expect(ledger.otherEmployerRows[path] == 2)
        #expect(file.rowsRead == file.acceptedByAgency.values.reduce(0, +) + file.rejections.count + 2)
    }
}
