import Testing
@testable import FairRecruitCore

private typealias F = Fixture

/// Requirements decided by a single yes/no question each, so a test can set their statuses with answers.
private func scored(_ specs: [(id: String, severity: Severity, weight: Int?, answer: String?)]) -> AuditResult {
    let requirements = specs.map { F.requirement($0.id, severity: $0.severity, weight: $0.weight, [F.question("Q-\($0.id)", .yesPartialNo)]) }
    let answers = specs.compactMap { spec in spec.answer.map { F.answer("Q-\(spec.id)", $0) } }
    return F.audit([F.standard(requirements)], answers: answers)
}

@Suite struct ScoringTests {
    @Test func scoreIsTheWeightedMeanOfPointsRoundedHalfUp() {
        // critical met 5×1, major partial 3×0.5, minor not met 1×0 → 6.5 / 9 = 72.22…
        let result = scored([("a", .critical, nil, "yes"), ("b", .major, nil, "partial"), ("c", .minor, nil, "no")])
        #expect(result.overall.score == ExactDecimal.d("72.2"))
        #expect(result.overall.coverage == ExactDecimal(1))
        #expect(result.overall.rating == "C")
        // 7 / 16 = 43.75 → 43.8
        let half = scored([("a", .major, 7, "yes"), ("b", .major, 9, "no")])
        #expect(half.overall.score == ExactDecimal.d("43.8"))
        #expect(half.overall.rating == "D")
    }

    @Test func coverageBelowPointEightIsNotRated() {
        let result = scored([("a", .critical, nil, "yes"), ("b", .major, nil, "partial"), ("c", .minor, nil, "no"), ("d", .major, nil, nil)])
        #expect(result.overall.score == ExactDecimal.d("72.2"))
        #expect(result.overall.coverage == ExactDecimal.d("0.75"))
        #expect(result.overall.rating == "NR")
    }

    @Test func aCriticalRequirementNotMetCapsTheRatingAtDWhateverTheCoverage() {
        let capped = scored([("a", .critical, 1, "no"), ("b", .major, 9, "yes")])
        #expect(capped.overall.score == ExactDecimal(90))
        #expect(capped.overall.rating == "D")
        let thin = scored([("a", .critical, 1, "no"), ("b", .major, 9, "yes"), ("c", .major, 10, nil)])
        #expect(thin.overall.coverage == ExactDecimal.d("0.5"))
        #expect(thin.overall.rating == "D")
        let low = scored([("a", .critical, 5, "no"), ("b", .minor, 1, "yes")])
        #expect(low.overall.score == ExactDecimal.d("16.7"))
        #expect(low.overall.rating == "E")
    }

    @Test func ratingBandsUseTheRoundedScore() {
        // 200.5 / 201 = 99.75… → 99.8
        let a = scored([("a", .major, 100, "yes"), ("b", .major, 100, "yes"), ("c", .minor, 1, "partial")])
        #expect(a.overall.score == ExactDecimal.d("99.8"))
        #expect(a.overall.rating == "A")
        let b = scored([("a", .major, 75, "yes"), ("b", .major, 25, "no")])
        #expect(b.overall.rating == "B")
        let e = scored([("a", .major, 39, "yes"), ("b", .major, 61, "no")])
        #expect(e.overall.rating == "E")
    }

    @Test func nothingAssessedGivesANullScore() {
        let result = scored([("a", .major, nil, nil)])
        #expect(result.overall.score == nil)
        #expect(result.overall.coverage == ExactDecimal(0))
        #expect(result.overall.rating == "NR")
    }

    @Test func principlesAndStandardsAreScoredSeparately() {
        let fees = F.requirement("fees", [F.question("Q1")])
        var other = F.requirement("other", [F.question("Q2")])
        other.principle = "conduct"
        let standard = F.standard([fees, other], principles: [Principle(id: "fees", title: "Fees"), Principle(id: "conduct", title: "Conduct")])
        let result = F.audit([standard], answers: [F.answer("Q1", "yes"), F.answer("Q2", "no")])
        #expect(result.summary(standard: "test-std", principle: "fees").score == ExactDecimal(100))
        #expect(result.summary(standard: "test-std", principle: "conduct").score == ExactDecimal(0))
        #expect(result.summary(standard: "test-std").score == ExactDecimal(50))
    }
}

@Suite struct ActionPlanTests {
    @Test func actionsCarryDueDatesScoreGainsAndAreOrderedBySeverityGainAndId() {
        let requirements = [
            F.requirement("a-critical", severity: .critical, [F.question("QA")]),
            F.requirement("b-major", severity: .major, [F.question("QB", .yesPartialNo)]),
            F.requirement("c-minor", severity: .minor, [F.question("QC")]),
            F.requirement("d-minor-short", severity: .minor, [F.question("QD")], deadline: 10),
            F.requirement("e-major", severity: .major, [F.question("QE")]),
        ]
        let result = F.audit([F.standard(requirements)], answers: [
            F.answer("QA", "no"), F.answer("QB", "partial"), F.answer("QC", "no"), F.answer("QD", "no"),
        ])
        // Weights 5, 3, 1, 1 assessed (e-major not answered): earned 0 + 1.5 + 0 + 0 = 1.5 / 10 → 15.0
        #expect(result.overall.score == ExactDecimal(15))
        #expect(result.actions.map(\.id) == [
            "test-std/a-critical", "test-std/b-major", "test-std/e-major#evidence", "test-std/c-minor", "test-std/d-minor-short",
        ])
        #expect(result.actions.map(\.dueDate.description) == ["2026-07-30", "2026-09-28", "2026-09-28", "2026-12-27", "2026-07-10"])
        // a met: 6.5/10 → 65.0 (+50.0); b met: 3/10 → 30.0 (+15.0); c or d met: 2.5/10 → 25.0 (+10.0)
        #expect(result.actions.map(\.scoreGainTenths) == [500, 150, nil, 100, 100])
    }
}

@Suite struct CostIndicatorTests {
    @Test func costToWageIsMeanAndMedianOverWorkersWithAWage() {
        let wage = ("1000", "NPR")
        let records = [
            F.record("W1", "recruitment_fee", "500", wage: wage, line: 2),
            F.record("W2", "visa", "800", paidBy: .employer, wage: wage, line: 3),
            F.record("W3", "recruitment_fee", "1000", wage: wage, line: 4),
            F.record("W3", "medical", "500", wage: wage, line: 5),
            F.record("W4", "medical", "2", "USD", on: "2026-03-01", wage: wage, line: 6),    // 250 NPR at 125
            F.record("W5", "recruitment_fee", "100", line: 7),
        ]
        let fees = F.audit([F.standard([F.requirement("r", [F.question("Q")])])], records: records).fees
        #expect(fees.records == 6)
        #expect(fees.workers == 5)
        #expect(fees.workersCharged == 4)
        #expect(fees.denominator == 4)
        #expect(fees.workersWithoutWage == 1)
        #expect(fees.costToWageMean == ExactDecimal.d("0.56"))     // (0.5 + 0 + 1.5 + 0.25) / 4 = 0.5625
        #expect(fees.costToWageMedian == ExactDecimal.d("0.38"))   // (0.25 + 0.5) / 2 = 0.375
        #expect(fees.workerBorne.map(\.currency) == ["NPR", "USD"])
        #expect(fees.workerBorne.map(\.amount) == [ExactDecimal(2100), ExactDecimal(2)])
    }
}

@Suite struct GradingTests {
    /// The RBA VAP fee matrix of the brief's addendum A.
    static let rba = Grading(
        refundWindowDays: 90, depth: [.d("0.05"), .d("1.0"), .d("1.5")],
        rows: [
            .init(maxShare: .d("0.01"), orMaxWorkers: 3, severities: [.minor, .minor, .major, .critical]),
            .init(maxShare: .d("0.05"), orMaxWorkers: 6, severities: [.major, .major, .major, .critical]),
            .init(maxShare: .d("0.40"), orMaxWorkers: nil, severities: [.major, .major, .critical, .critical]),
            .init(maxShare: nil, orMaxWorkers: nil, severities: [.major, .critical, .critical, .critical]),
        ],
        refundedRows: [
            .init(maxShare: .d("0.01"), orMaxWorkers: 3, severities: [.minor, .minor, .major, .major]),
            .init(maxShare: nil, orMaxWorkers: nil, severities: [.minor, .major, .major, .major]),
        ])

    static func grade(_ count: Int, depth: String?, of assessed: Int = 100, refunded: Bool = false) -> GradingTable.Grade {
        GradingTable(rba).grade(affected: Array(repeating: depth.map { ExactDecimal.d($0) }, count: count), assessed: assessed, refunded: refunded)
    }

    @Test(arguments: [
        // (affected of 100, depth, expected severity, row, column)
        (1, "0.04", Severity.minor, 0, 0), (1, "0.05", .minor, 0, 1), (3, "0.99", .minor, 0, 1), (1, "1.0", .major, 0, 2),
        (1, "1.49", .major, 0, 2), (1, "1.5", .critical, 0, 3),
        (4, "0.04", .major, 1, 0), (5, "0.5", .major, 1, 1), (6, "1.2", .major, 1, 2), (6, "2", .critical, 1, 3),
        (7, "0.04", .major, 2, 0), (7, "0.5", .major, 2, 1), (7, "1.0", .critical, 2, 2), (40, "1.5", .critical, 2, 3),
        (41, "0.04", .major, 3, 0), (41, "0.05", .critical, 3, 1), (41, "1.0", .critical, 3, 2), (90, "3", .critical, 3, 3),
    ])
    func everyCellOfTheNotRefundedMatrix(count: Int, depth: String, severity: Severity, row: Int, column: Int) {
        let grade = Self.grade(count, depth: depth)
        #expect(grade.severity == severity)
        #expect(grade.cell.hasPrefix("rows[\(row)] column \(column) "))
    }

    @Test(arguments: [
        (1, "0.04", Severity.minor, 0, 0), (3, "0.5", .minor, 0, 1), (2, "1.0", .major, 0, 2), (1, "2", .major, 0, 3),
        (4, "0.04", .minor, 1, 0), (50, "0.05", .major, 1, 1), (50, "1.6", .major, 1, 3),
    ])
    func everyCellOfTheRefundedMatrix(count: Int, depth: String, severity: Severity, row: Int, column: Int) {
        let grade = Self.grade(count, depth: depth, refunded: true)
        #expect(grade.severity == severity)
        #expect(grade.cell.hasPrefix("refunded_rows[\(row)] column \(column) "))
    }

    @Test func shareAndWorkerCountBoundsAreInclusive() {
        #expect(Self.grade(5, depth: "0.04", of: 500).cell.hasPrefix("rows[0]"))     // 1% exactly
        #expect(Self.grade(6, depth: "0.04", of: 500).cell.hasPrefix("rows[1]"))     // 1.2%, 6 workers
        #expect(Self.grade(20, depth: "0.04", of: 400).cell.hasPrefix("rows[1]"))    // 5% exactly
        #expect(Self.grade(160, depth: "0.04", of: 400).cell.hasPrefix("rows[2]"))   // 40% exactly
    }

    @Test func theWorstColumnReachedDecidesAndWorkersWithoutAWageAreDeepest() {
        let mixed = GradingTable(Self.rba).grade(affected: [.d("0.01"), .d("1.2")], assessed: 100, refunded: false)
        #expect(mixed.severity == .major)
        let noWage = Self.grade(1, depth: nil)
        #expect(noWage.severity == .critical)
        #expect(noWage.withoutWage == 1)
    }

    @Test func gradingSetsTheFindingSeverityAndDeadlineThroughTheEngine() {
        let requirement = F.requirement("fees", severity: .minor, [F.fee(.noneByWorker, ["recruitment_fee"], grading: Self.rba)])
        var records: [FeeRecord] = []
        for i in 1...10 {
            let paid = i <= 7 ? "1200" : "0"    // 7 of 10 charged 1.2 months of wage: 70% → last row, column 2
            records.append(F.record("W\(i)", "recruitment_fee", paid, wage: ("1000", "NPR"), line: i + 1))
        }
        let result = F.audit([F.standard([requirement])], records: records)
        #expect(result.requirements[0].severity == .critical)
        #expect(result.findings[0].severity == .critical)
        #expect(result.findings[0].gradingCell?.hasPrefix("rows[3] column 2") == true)
        #expect(result.requirements[0].requirement.weight == 1)
        #expect(result.actions[0].dueDate.description == "2026-07-30")
        #expect(result.overall.rating == "E")
    }
}
