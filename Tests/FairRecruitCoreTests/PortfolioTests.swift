import Testing
@testable import FairRecruitCore

/// The portfolio's roll-ups over a few agencies, with every figure computed by hand.
@Suite struct PortfolioTests {
    static let standard = Fixture.standard([
        Fixture.requirement("no-fees", severity: .critical, [Fixture.fee(.noneByWorker, ["recruitment_fee"])]),
        Fixture.requirement("policy", severity: .minor, [Fixture.question("Q-POLICY")]),
    ])

    static func summary(_ agency: String, _ records: [FeeRecord], answers: [(String, Answer)] = []) -> AgencySummary {
        var input = AuditInput(agencyID: agency, asOf: Fixture.asOf, records: records, answers: Dictionary(answers, uniquingKeysWith: { a, _ in a }),
                               feesProvided: true, categories: Fixture.categories, rates: Fixture.rates)
        input.licence = .noRegistry
        let result = AuditEngine().audit([standard], input: input)
        return AgencySummary(result, name: nil, submission: answers.isEmpty ? .fees : .feesAndAssessment, licence: .noRegistry,
                             includeUnverified: false)
    }

    static let wage = ("1000", "NPR")

    /// AG-A: W1 (to MY, Hotel North) paid a 500 medical: 0.5 months; policy yes → 100, A.
    /// AG-B: W2 (MY, Hotel North) paid a 2000 fee: 2 months, owed 2000; W3 (QA, Hotel South) paid
    ///       nothing: 0 months. No-fees not met (critical): 0.0, E.
    /// AG-C: W4 (MY, no employer, no wage) paid 1000 refunded in time: partially met (5 × 0.5) and
    ///       policy met (1): 3.5 / 6 → 58.3, D.
    /// AG-D: registered, sent nothing: NR.
    static func portfolio() -> Portfolio {
        let a = summary("AG-A", [Fixture.record("W1", "medical", "500", wage: wage, employer: "Hotel North", line: 2)],
                        answers: [Fixture.answer("Q-POLICY", "yes")])
        let b = summary("AG-B", [
            Fixture.record("W2", "recruitment_fee", "2000", wage: wage, employer: "Hotel North", line: 3),
            Fixture.record("W3", "visa", "100", "USD", paidBy: .employer, wage: wage, destination: "QA", employer: "Hotel South", line: 4),
        ])
        let c = summary("AG-C", [Fixture.record("W4", "recruitment_fee", "1000", refund: ("1000", "2026-03-15"), line: 5)],
                        answers: [Fixture.answer("Q-POLICY", "yes")])
        let d = AgencySummary(notSubmitted: "AG-D", name: "Dormant Agency", licence: .listed(LicenceEntry(
            agencyID: "AG-D", name: "Dormant Agency", country: "NP", status: .active, location: SourceLocation(file: "r.csv", line: 2))))
        return Portfolio([a, b, c, d], standards: [standard])
    }

    @Test func theLeagueTableRanksByRatingThenScore() {
        let p = Self.portfolio()
        #expect(p.agencies.map(\.agencyID) == ["AG-A", "AG-C", "AG-B", "AG-D"])
        #expect(p.agencies.map(\.rating) == ["A", "D", "E", "NR"])
        #expect(p.agencies.map { $0.score?.description } == ["100", "58.3", "0", nil])
        #expect(p.agencies.map(\.submission) == [.feesAndAssessment, .feesAndAssessment, .fees, .none])
        #expect(p.ratingDistribution.map { "\($0.rating)\($0.agencies)" } == ["A1", "B0", "C0", "D1", "E1", "NR1"])
    }

    @Test func theEnforcementListHoldsTheAgenciesWithCriticalFindings() {
        let p = Self.portfolio()
        #expect(p.enforcement.map(\.agencyID) == ["AG-B"])
        #expect(p.enforcement[0].criticalFindings == ["test-std/no-fees/1"])
        #expect(p.reimbursementsDue.map { "\($0.amount) \($0.currency)" } == ["2000 NPR"])
    }

    @Test func requirementsAreTalliedMostFailedFirst() {
        let p = Self.portfolio()
        #expect(p.requirements.map(\.id) == ["no-fees", "policy"])
        #expect(p.requirements[0].agenciesNotMet == 1 && p.requirements[0].agenciesPartiallyMet == 1 && p.requirements[0].agenciesAssessed == 3)
        #expect(p.requirements[1].agenciesNotMet == 0 && p.requirements[1].agenciesAssessed == 2)
    }

    @Test func corridorsFollowTheSDGMethodOverEveryAgencysWorkers() {
        let p = Self.portfolio()
        #expect(p.corridors.map { "\($0.origin)>\($0.destination)" } == ["NP>MY", "NP>QA"])
        // NP→MY: W1 0.5 and W2 2 (W4 has no wage): mean 1.25, median 1.25.
        let my = p.corridors[0]
        #expect(my.workers == 3 && my.denominator == 2 && my.workersWithoutWage == 1)
        #expect(my.costToWageMean == .d("1.25") && my.costToWageMedian == .d("1.25"))
        // NP→QA: W3 paid nothing: 0.
        #expect(p.corridors[1].workers == 1 && p.corridors[1].costToWageMean == .zero && p.corridors[1].costToWageMedian == .zero)
    }

    @Test func employersRollUpWorkersAndMoneyOwedAcrossAgencies() {
        let p = Self.portfolio()
        #expect(p.employers.map(\.employer) == ["Hotel North", "Hotel South", nil])
        let north = p.employers[0]
        #expect(north.agencies == 2 && north.workers == 2 && north.workersCharged == 2)
        #expect(north.reimbursementsDue.map { "\($0.amount) \($0.currency)" } == ["2000 NPR"])
        #expect(p.employers[1].workers == 1 && p.employers[1].workersCharged == 0 && p.employers[1].reimbursementsDue.isEmpty)
        // W4 paid and was refunded: charged (gross), nothing owed.
        #expect(p.employers[2].workers == 1 && p.employers[2].workersCharged == 1 && p.employers[2].reimbursementsDue.isEmpty)
    }

    @Test func anEvenCountTakesTheMeanOfTheTwoMiddleValues() {
        let (mean, median) = FeeSummary.meanAndMedian([.d("3"), .d("0"), .d("1"), .d("0.5")])
        #expect(mean == .d("1.13") && median == .d("0.75"))   // 4.5 / 4 = 1.125 → 1.13 (half away from zero)
        #expect(FeeSummary.meanAndMedian([]) == (nil, nil))
    }
}
