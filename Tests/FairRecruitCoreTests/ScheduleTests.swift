import Testing
@testable import FairRecruitCore

private typealias F = Fixture

/// The reimbursement schedule merges what every requirement owes, record by record, and checks
/// count a worker once across placements.
@Suite struct ScheduleTests {
    // W1's placement owes lines 2 and 4, W2's line 3: a check owes them in placement order (2, 4, 3).
    let records = [
        F.record("W1", "recruitment_fee", "5000", line: 2),
        F.record("W2", "recruitment_fee", "300", line: 3),
        F.record("W1", "medical", "700", line: 4),
    ]
    // In report order: the cap first (employer, 30 days), then none paid by the worker (agency, 90 days).
    let standard = F.standard([
        F.requirement("cap", [F.fee(.cap(.amount(ExactDecimal(1000), currency: "NPR")), ["recruitment_fee"])], deadline: 30, owner: .employer),
        F.requirement("none", [F.fee(.noneByWorker, ["recruitment_fee", "medical"])], deadline: 90, owner: .agency),
    ])

    @Test func aRecordOwedByTwoRequirementsIsListedOnceInInputOrder() {
        let result = F.audit([standard], records: records)
        #expect(result.owedRecords.map { result.records[$0.record].location.line } == [2, 3, 4])
        #expect(result.owedRecords.map(\.amount) == [ExactDecimal(5000), ExactDecimal(300), ExactDecimal(700)])
        let shared = result.owedRecords[0]
        #expect(shared.requirements == ["test-std/cap", "test-std/none"])
        #expect(shared.payer == .agency)                       // the larger amount: 5000 over the cap's 4000
        #expect(shared.dueDate == Fixture.asOf + 30)           // the earlier deadline
        #expect(result.owedRecords[1].requirements == ["test-std/none"])
        #expect(result.owedRecords[1].dueDate == Fixture.asOf + 90)
        #expect(result.reimbursementsDue.map(\.amount) == [ExactDecimal(6000)])
        let action = result.actions.first { $0.id == "test-std/none" }!
        #expect(action.reimbursements.map(\.workerID) == ["W1", "W2"])
        #expect(action.reimbursements[0].records.map { result.records[$0].location.line } == [2, 4])
        #expect(action.reimbursements[0].amount == ExactDecimal(5700))
    }

    /// A single audit evaluates requirements, and builds the plan and the schedule, on every
    /// core: the result must be the one built on one.
    @Test func onAllCoresTheResultIsTheSameAsOnOne() {
        var input = AuditInput(agencyID: "AG-1", asOf: Fixture.asOf, records: records, answers: [:], feesProvided: true,
                               categories: Fixture.categories, rates: Fixture.rates)
        let onOne = AuditEngine().audit([standard], input: input)
        input.onAllCores = true
        let onAll = AuditEngine().audit([standard], input: input)
        #expect(onAll.requirements == onOne.requirements && onAll.requirements.count == 2)
        #expect(onAll.findings == onOne.findings && onAll.actions == onOne.actions && !onAll.actions.isEmpty)
        #expect(onAll.owedRecords == onOne.owedRecords && onAll.owedRecords.count == 3)
        #expect(onAll.reimbursementsDue.map(\.amount) == [ExactDecimal(6000)] && onOne.reimbursementsDue.map(\.amount) == [ExactDecimal(6000)])
        #expect(onAll.fees.workersCharged == onOne.fees.workersCharged && onAll.fees.workersCharged == 2)
    }

    @Test func aWorkerWithTwoPlacementsCountsOnce() {
        let twoPlacements = [
            F.record("W1", "recruitment_fee", "1000", destination: "MY", line: 2),
            F.record("W1", "recruitment_fee", "0", destination: "QA", line: 3),
            F.record("W2", "recruitment_fee", "0", line: 4),
        ]
        let check = F.audit(F.requirement("none", [F.fee(.noneByWorker, ["recruitment_fee"])]), records: twoPlacements).checks[0]
        #expect(check.workersAssessed == 2)
        #expect(check.workersAffected == 1)
        #expect(check.workers == ["W1"])
        #expect(check.evidence.map(\.line) == [2])
    }
}
