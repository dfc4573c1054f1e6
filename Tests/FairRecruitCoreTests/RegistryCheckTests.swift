import Testing
@testable import FairRecruitCore

/// The `registry` check (§3.2): an active licence on every payment date; an agency missing from the
/// registry breaks it; without a registry it is not assessed.
@Suite struct RegistryCheckTests {
    static let licensed = Fixture.requirement("licensed", severity: .critical, [Check(.registry)])

    /// Worker W1 paid on 2026-01-10 and 2026-03-01, W2 on 2026-02-15 (employer-paid), W3 to Qatar on 2026-04-01.
    static let records = [
        Fixture.record("W1", "medical", "4500", on: "2026-01-10", line: 2),
        Fixture.record("W1", "recruitment_fee", "10000", on: "2026-03-01", line: 3),
        Fixture.record("W2", "visa", "100", "USD", paidBy: .employer, on: "2026-02-15", line: 4),
        Fixture.record("W3", "medical", "4500", on: "2026-04-01", destination: "QA", line: 5),
    ]

    static func entry(_ status: LicenceEntry.Status, issued: String? = nil, expires: String? = nil, since: String? = nil) -> LicenceEntry {
        LicenceEntry(agencyID: "AG-1", name: "Agency One", country: "NP", status: status, expires: expires.flatMap { Day(iso: $0) },
                     issued: issued.flatMap { Day(iso: $0) }, statusSince: since.flatMap { Day(iso: $0) },
                     location: SourceLocation(file: "registry.csv", line: 2))
    }

    static func check(_ licence: LicenceLookup, records: [FeeRecord] = records, feesProvided: Bool = true,
                      requirement: Requirement = licensed) -> CheckResult {
        var input = AuditInput(agencyID: "AG-1", asOf: Fixture.asOf, records: records, answers: [:], feesProvided: feesProvided,
                               categories: Fixture.categories, rates: Fixture.rates)
        input.licence = licence
        return AuditEngine().audit([Fixture.standard([requirement])], input: input).requirements[0].checks[0]
    }

    @Test func withoutARegistryTheCheckIsNotAssessedAndAsksForOne() {
        let result = Self.check(.noRegistry)
        #expect(result.status == .notAssessed)
        #expect(result.missing == ["a licence registry (--registry)"])
    }

    @Test func aValidLicenceCoversEveryPaymentDate() {
        let result = Self.check(.listed(Self.entry(.active, issued: "2025-01-01", expires: "2027-12-31")))
        #expect(result.status == .met)
        #expect(result.workersAssessed == 3 && result.workersAffected == 0)
        #expect(result.message == "licence 'AG-1' (active) covers every payment date of 3 worker(s)")
    }

    @Test func anAgencyMissingFromTheRegistryBreaksItForEveryWorker() {
        let result = Self.check(.notListed(registry: "registry.csv"))
        #expect(result.status == .notMet)
        #expect(result.workersAffected == 3 && result.workersAssessed == 3)
        #expect(result.evidence.map(\.line) == [2, 3, 4, 5])
        #expect(result.workers == ["W1", "W2", "W3"])
        #expect(result.message == "agency 'AG-1' is not in the licence registry; 3 worker(s) paid an unlicensed agency")
        // A row for the agency that was rejected is named.
        let rejected = Self.check(.notListed(registry: "registry.csv", rejectedRows: [SourceLocation(file: "registry.csv", line: 7)]))
        #expect(rejected.message == "agency 'AG-1' is not in the licence registry (its row at registry.csv:7 was rejected); 3 worker(s) paid an unlicensed agency")
        let twice = Self.check(.notListed(registry: "r.csv", rejectedRows: [2, 9].map { SourceLocation(file: "r.csv", line: $0) }), records: [], feesProvided: false)
        #expect(twice.message == "agency 'AG-1' is not in the licence registry (its rows at r.csv:2, r.csv:9 were rejected)")
        // Missing from the registry is a breach even without any fee record.
        let answersOnly = Self.check(.notListed(registry: "registry.csv"), records: [], feesProvided: false)
        #expect(answersOnly.status == .notMet && answersOnly.workersAffected == 0)
    }

    @Test func paymentsAfterTheLicenceExpiredBreakIt() {
        // Expired on 2026-02-28: W1's 2026-03-01 payment and W3's 2026-04-01 are after it.
        let result = Self.check(.listed(Self.entry(.expired, issued: "2023-03-01", expires: "2026-02-28")))
        #expect(result.status == .notMet)
        #expect(result.workersAffected == 2 && result.workersAssessed == 3)
        #expect(result.evidence.map(\.line) == [3, 5])
        #expect(result.message == "2 of 3 worker(s) paid while licence 'AG-1' was not active: 2 payment(s) after the licence expired on 2026-02-28")
    }

    @Test func paymentsBeforeTheLicenceWasIssuedBreakIt() {
        // Issued on 2026-02-01: W1's payment of 2026-01-10 came before it.
        let result = Self.check(.listed(Self.entry(.active, issued: "2026-02-01", expires: "2029-01-31")))
        #expect(result.status == .notMet)
        #expect(result.workersAffected == 1 && result.workers == ["W1"])
        #expect(result.evidence.map(\.line) == [2])
    }

    @Test func aSuspendedLicenceBreaksItFromTheDateItWasSuspended() {
        // Suspended since 2026-03-01: W1's payment that day and W3's later one.
        let dated = Self.check(.listed(Self.entry(.suspended, issued: "2020-01-01", since: "2026-03-01")))
        #expect(dated.status == .notMet)
        #expect(dated.evidence.map(\.line) == [3, 5])
        #expect(dated.message.contains("2 payment(s) while the licence was suspended (since 2026-03-01)"))
        // Suspended after every payment: met.
        #expect(Self.check(.listed(Self.entry(.suspended, since: "2026-05-01"))).status == .met)
        // Undated: every payment counts.
        let undated = Self.check(.listed(Self.entry(.suspended)))
        #expect(undated.workersAffected == 3 && undated.evidence.count == 4)
    }

    @Test func aRevokedLicenceBreaksItLikeASuspendedOne() {
        let result = Self.check(.listed(Self.entry(.revoked, since: "2026-02-01")))
        #expect(result.status == .notMet)
        #expect(result.workers == ["W1", "W2", "W3"])   // W1 (2026-03-01), W2 (2026-02-15), W3
        #expect(result.evidence.map(\.line) == [3, 4, 5])
    }

    @Test func aListedAgencyWithoutFeeRecordsIsNotAssessed() {
        let result = Self.check(.listed(Self.entry(.active)), records: [], feesProvided: false)
        #expect(result.status == .notAssessed && result.missing == ["fee records (--fees)"])
    }

    @Test func theRequirementScopeLimitsThePaymentsChecked() {
        // Only Qatar is in scope: W3's payment of 2026-04-01, after the expiry.
        let qatar = Fixture.requirement("licensed-qa", severity: .critical, [Check(.registry)], scope: Scope(destination: ["QA"]))
        let result = Self.check(.listed(Self.entry(.expired, expires: "2026-02-28")), requirement: qatar)
        #expect(result.workersAssessed == 1 && result.workers == ["W3"])
        let elsewhere = Fixture.requirement("licensed-sa", [Check(.registry)], scope: Scope(destination: ["SA"]))
        #expect(Self.check(.listed(Self.entry(.active)), requirement: elsewhere).status == .notApplicable)
    }

    @Test func aLicenceBreachIsACriticalFindingThatCapsTheRating() {
        var input = AuditInput(agencyID: "AG-1", asOf: Fixture.asOf, records: Self.records, answers: [:], feesProvided: true,
                               categories: Fixture.categories, rates: Fixture.rates)
        input.licence = .notListed(registry: "registry.csv")
        let result = AuditEngine().audit([Fixture.standard([Self.licensed])], input: input)
        #expect(result.findings.map(\.id) == ["test-std/licensed/1"])
        #expect(result.findings[0].severity == .critical)
        #expect(result.overall.criticalNotMet && result.overall.rating == "E")
        #expect(result.reimbursementsDue.isEmpty)   // a licence breach owes nothing by itself
    }
}
