import Testing
@testable import FairRecruitCore

private typealias F = Fixture

@Suite struct NonePaidByWorkerTests {
    let records = [
        F.record("W1", "recruitment_fee", "5000", line: 2),
        F.record("W2", "recruitment_fee", "3000", refund: ("3000", "2026-04-01"), line: 3),   // 31 days: in time
        F.record("W3", "recruitment_fee", "2000", refund: ("2000", "2026-06-15"), line: 4),   // 106 days: late
        F.record("W4", "visa", "1000", paidBy: .employer, line: 5),
        F.record("W5", "recruitment_fee", "4000", refund: ("1000", "2026-03-10"), line: 6),
    ]
    let requirement = F.requirement("no-fees", [F.fee(.noneByWorker, ["recruitment_fee", "visa"])])

    @Test func outstandingAmountsAreOwedAndLateRefundsStillFail() {
        let result = F.audit([F.standard([requirement])], records: records)
        let check = result.requirements[0].checks[0]
        #expect(result.requirements[0].status == .notMet)
        #expect(check.workersAssessed == 5)
        #expect(check.workersAffected == 3)   // W1, W3 (late), W5
        #expect(check.workersRemedied == 1)   // W2
        #expect(check.owed.map(\.amount) == [ExactDecimal(5000), ExactDecimal(3000)])
        #expect(result.reimbursementsDue.map(\.currency) == ["NPR"])
        #expect(result.reimbursementsDue.map(\.amount) == [ExactDecimal(8000)])
        #expect(check.evidence.map(\.line) == [2, 3, 4, 6])
        let action = result.actions.first { $0.id == "test-std/no-fees" }!
        #expect(action.reimbursements.map(\.workerID) == ["W1", "W5"])
        #expect(action.reimbursements.map(\.amount) == [ExactDecimal(5000), ExactDecimal(3000)])
        #expect(action.reimbursements[1].records.map { result.records[$0].location.line } == [6])
    }

    @Test func aFeeRefundedInFullWithinTheWindowIsPartiallyMet() {
        let result = F.audit(requirement, records: [records[1], records[3]])
        #expect(result.status == .partiallyMet)
        #expect(result.checks[0].workersRemedied == 1)
        #expect(result.checks[0].owed.isEmpty)
    }

    @Test func aShorterWindowTurnsTheSameRefundLate() {
        let strict = F.requirement("no-fees", [F.fee(.noneByWorker, ["recruitment_fee"], window: 30)])
        let result = F.audit(strict, records: [records[1]])
        #expect(result.status == .notMet)
        #expect(result.checks[0].owed.isEmpty)
    }

    @Test func employerPaidCostsMeetTheRule() {
        #expect(F.audit(requirement, records: [records[3]]).status == .met)
    }

    @Test func withoutFeeRecordsTheCheckIsNotAssessed() {
        let result = F.audit([F.standard([requirement])], records: [], feesProvided: false)
        #expect(result.requirements[0].status == .notAssessed)
        #expect(result.actions.map(\.id) == ["test-std/no-fees#evidence"])
        #expect(result.actions[0].scoreGainTenths == nil)
        #expect(result.actions[0].steps.contains("fee records"))
    }
}

@Suite struct CapTests {
    let cap = F.requirement("cap", [F.fee(.cap(.amount(ExactDecimal(10000), currency: "NPR")), ["recruitment_fee"])])

    @Test func theExcessIsOwedFromTheLatestPaymentsFirst() {
        let records = [
            F.record("W1", "recruitment_fee", "8000", on: "2026-01-10", line: 2),
            F.record("W1", "recruitment_fee", "7000", on: "2026-02-10", line: 3),
            F.record("W2", "recruitment_fee", "6000", on: "2026-01-10", refund: ("1000", "2026-01-20"), line: 4),
            F.record("W2", "recruitment_fee", "6000", on: "2026-02-10", line: 5),
            F.record("W3", "recruitment_fee", "12000", on: "2026-01-10", refund: ("2000", "2026-02-01"), line: 6),
            F.record("W4", "recruitment_fee", "10000", on: "2026-01-10", line: 7),
        ]
        let result = F.audit(cap, records: records)
        let check = result.checks[0]
        #expect(result.status == .notMet)
        #expect(check.workersAssessed == 4)
        #expect(check.workersAffected == 2)
        #expect(check.workersRemedied == 1)   // W3 brought back to the cap in time
        #expect(check.owed.map { $0.record } == [1, 3])
        #expect(check.owed.map(\.amount) == [ExactDecimal(5000), ExactDecimal(1000)])
    }

    @Test func amountsAreComparedInTheCapCurrencyAtThePaymentDateRate() {
        let usdCap = F.requirement("cap", [F.fee(.cap(.amount(ExactDecimal(100), currency: "USD")), ["recruitment_fee"])])
        let records = [
            F.record("W1", "recruitment_fee", "15000", on: "2026-03-01", line: 2),   // 120 USD at 125
            F.record("W2", "recruitment_fee", "15000", on: "2025-06-01", line: 3),   // 150 USD at 100
            F.record("W3", "recruitment_fee", "12500", on: "2026-03-01", line: 4),   // exactly 100 USD
        ]
        let check = F.audit(usdCap, records: records).checks[0]
        #expect(check.workersAffected == 2)
        #expect(check.owed.map(\.amount) == [ExactDecimal(2500), ExactDecimal(5000)])
    }

    @Test func aWageMonthsCapNeedsTheWage() {
        let oneMonth = F.requirement("cap", [F.fee(.cap(.wageMonths(ExactDecimal(1))), ["recruitment_fee"])])
        let records = [
            F.record("W1", "recruitment_fee", "2000", "MYR", wage: ("1500", "MYR"), line: 2),
            F.record("W2", "recruitment_fee", "9000", line: 3),
        ]
        let result = F.audit(oneMonth, records: records)
        #expect(result.status == .notMet)
        #expect(result.checks[0].workersUnclassified == 1)
        #expect(result.checks[0].owed.map(\.amount) == [ExactDecimal(500)])
        #expect(F.audit(oneMonth, records: [records[1]]).status == .notAssessed)
    }

    @Test func aPerContractYearCapIsProRataAndBounded() {
        let perYear = F.requirement("cap", [F.fee(.cap(.wageMonthsPerContractYear(ExactDecimal(1), max: ExactDecimal(2))), ["recruitment_fee"])])
        let records = [
            F.record("W1", "recruitment_fee", "1600", "MYR", wage: ("1000", "MYR"), contractMonths: 18, line: 2),  // cap 1500
            F.record("W2", "recruitment_fee", "2100", "MYR", wage: ("1000", "MYR"), contractMonths: 36, line: 3),  // cap 2000, not 3000
            F.record("W3", "recruitment_fee", "1900", "MYR", wage: ("1000", "MYR"), contractMonths: 24, line: 4),  // cap 2000
        ]
        let check = F.audit(perYear, records: records).checks[0]
        #expect(check.workersAffected == 2)
        #expect(check.owed.map(\.amount) == [ExactDecimal(100), ExactDecimal(100)])
    }
}

@Suite struct OtherRuleTests {
    @Test func prohibitedCostsFailWhoeverPaidAndRefundsDoNotCureThem() {
        let rule = F.requirement("no-bribes", severity: .critical, [F.fee(.prohibited, ["illegitimate"])])
        let records = [
            F.record("W1", "bribe", "5000", paidBy: .agency, line: 2),
            F.record("W2", "bond", "2000", refund: ("2000", "2026-03-05"), line: 3),
            F.record("W3", "bond", "1000", line: 4),
            F.record("W4", "recruitment_fee", "1000", line: 5),
        ]
        let result = F.audit(rule, records: records)
        #expect(result.status == .notMet)
        #expect(result.checks[0].workersAffected == 3)
        #expect(result.checks[0].workersAssessed == 4)
        #expect(result.checks[0].owed.map(\.amount) == [ExactDecimal(1000)])
    }

    @Test func receiptsAreNeededForWorkerPaymentsButNotDeductions() {
        let rule = F.requirement("receipts", [F.fee(.receipts, ["recruitment_fee"])])
        let records = [
            F.record("W1", "recruitment_fee", "100", receipt: false, line: 2),
            F.record("W2", "recruitment_fee", "100", line: 3),
            F.record("W3", "recruitment_fee", "100", receipt: true, line: 4),
            F.record("W4", "recruitment_fee", "100", method: .wageDeduction, receipt: false, line: 5),
        ]
        let result = F.audit(rule, records: records)
        #expect(result.status == .notMet)
        #expect(result.checks[0].workersAssessed == 3)
        #expect(result.checks[0].workersUnclassified == 1)
        #expect(result.checks[0].owed.isEmpty)
        #expect(F.audit(rule, records: [records[1]]).status == .notAssessed)
    }

    @Test func refundsDueWithinDaysArePendingUntilDue() {
        let rule = F.requirement("refunds", [F.fee(.refundWithinDays(30), ["recruitment_fee"])])
        let records = [
            F.record("W1", "recruitment_fee", "700", on: "2026-06-15", line: 2),
            F.record("W2", "recruitment_fee", "500", on: "2026-03-01", refund: ("500", "2026-03-20"), line: 3),
            F.record("W3", "recruitment_fee", "400", on: "2026-03-01", line: 4),
            F.record("W4", "recruitment_fee", "300", on: "2026-03-01", refund: ("300", "2026-04-15"), line: 5),
        ]
        let result = F.audit([F.standard([rule])], records: records)
        #expect(result.requirements[0].status == .notMet)
        #expect(result.requirements[0].checks[0].workersAffected == 2)
        #expect(result.requirements[0].checks[0].owed.map(\.amount) == [ExactDecimal(400)])
        #expect(result.pendingRefunds.map(\.workerID) == ["W1"])
        #expect(result.pendingRefunds[0].dueDate.description == "2026-07-15")
        #expect(F.audit(rule, records: [records[0], records[1]]).status == .met)
    }

    @Test func deductionsRepayingALoanOweTheLoanOnce() {
        let deductions = F.requirement("no-deductions", [F.fee(.noWageDeduction, ["recruitment_fee"])])
        let nothing = F.requirement("no-fees", [F.fee(.noneByWorker, ["recruitment_fee"])])
        let records = [
            F.record("W1", "recruitment_fee", "60000", method: .loan, id: "L1", line: 2),
            F.record("W1", "recruitment_fee", "500", "MYR", on: "2026-04-01", method: .wageDeduction, id: "D1", repays: "L1", line: 3),
            F.record("W1", "recruitment_fee", "500", "MYR", on: "2026-05-01", method: .wageDeduction, id: "D2", repays: "L1", line: 4),
            F.record("W2", "recruitment_fee", "200", "MYR", method: .wageDeduction, line: 5),
        ]
        let result = F.audit([F.standard([deductions, nothing])], records: records)
        let deductionCheck = result.requirements[0].checks[0]
        #expect(deductionCheck.workersAffected == 2)
        #expect(deductionCheck.evidence.map(\.line) == [3, 4, 5])
        #expect(Set(deductionCheck.owed.map(\.record)) == [0, 3])
        #expect(result.requirements[1].checks[0].owed.map(\.record) == [0, 3])
        #expect(result.reimbursementsDue.map(\.currency) == ["MYR", "NPR"])
        #expect(result.reimbursementsDue.map(\.amount) == [ExactDecimal(200), ExactDecimal(60000)])
        #expect(result.fees.workerBorne.map(\.amount) == [ExactDecimal(200), ExactDecimal(60000)])
    }

    @Test func paymentsBeforeTheContractFailAndAMissingDateIsNotAssessed() {
        let rule = F.requirement("timing", [F.fee(.notBeforeContract, ["recruitment_fee"])])
        let records = [
            F.record("W1", "recruitment_fee", "100", on: "2026-01-01", signed: "2026-02-01", line: 2),
            F.record("W2", "recruitment_fee", "100", on: "2026-03-01", signed: "2026-02-01", line: 3),
            F.record("W3", "recruitment_fee", "100", on: "2026-03-01", line: 4),
        ]
        let check = F.audit(rule, records: records).checks[0]
        #expect(check.status == .notMet)
        #expect(check.workersAffected == 1)
        #expect(check.workersAssessed == 2)
        #expect(check.workersUnclassified == 1)
        #expect(check.evidence.map(\.line) == [2])
    }
}

@Suite struct ScopeTests {
    let fees = [F.fee(.noneByWorker, ["recruitment_fee"])]

    @Test func recordsOutsideTheStandardsScopeMakeTheRequirementNotApplicable() {
        let standard = F.standard([F.requirement("r", fees)], scope: Scope(destination: ["QA"]))
        let result = F.audit([standard], records: [F.record("W1", "recruitment_fee", "100", destination: "MY", line: 2)])
        #expect(result.requirements[0].status == .notApplicable)
        #expect(result.actions.isEmpty)
        #expect(result.overall.score == nil)
        #expect(result.overall.rating == "NR")
    }

    @Test func aMissingOccupationLeavesTheWorkerUnclassified() {
        let requirement = F.requirement("r", fees, scope: Scope(occupations: ["domestic_worker"]))
        let records = [
            F.record("W1", "recruitment_fee", "100", occupation: "domestic_worker", line: 2),
            F.record("W2", "recruitment_fee", "100", line: 3),
            F.record("W3", "recruitment_fee", "100", occupation: "construction_worker", line: 4),
        ]
        let check = F.audit(requirement, records: records).checks[0]
        #expect(check.workersAssessed == 1)
        #expect(check.workersAffected == 1)
        #expect(check.workersUnclassified == 1)
    }

    @Test func paymentsOutsideTheEffectivePeriodAreOutOfScope() {
        let requirement = F.requirement("r", fees, effective: DateRange(from: Day(iso: "2026-01-01")))
        #expect(F.audit(requirement, records: [F.record("W1", "recruitment_fee", "100", on: "2025-12-31", line: 2)]).status == .notApplicable)
        #expect(F.audit(requirement, records: [F.record("W1", "recruitment_fee", "100", on: "2026-01-01", line: 2)]).status == .notMet)
    }
}

@Suite struct QuestionAndConditionTests {
    @Test func answersAreScoredByType() {
        func status(_ check: Check, _ value: String) -> Status {
            guard case .question(let q) = check.kind else { return .notAssessed }
            return F.audit(F.requirement("q", [check]), answers: [F.answer(q.id, value)]).status
        }
        let yesNo = F.question("Q1")
        #expect(status(yesNo, "yes") == .met)
        #expect(status(yesNo, "no") == .notMet)
        let partial = F.question("Q2", .yesPartialNo)
        #expect(status(partial, "partial") == .partiallyMet)
        let expectNo = F.question("Q3", expect: .answer("no"))
        #expect(status(expectNo, "no") == .met)
        let number = F.question("Q4", .number, expect: .range(min: ExactDecimal(1), max: ExactDecimal(90)))
        #expect(status(number, "90") == .met)
        #expect(status(number, "91") == .notMet)
        let date = F.question("Q5", .date, expect: .withinDays(365))
        #expect(status(date, "2025-06-30") == .met)      // as_of − 365 days
        #expect(status(date, "2025-06-29") == .notMet)
        #expect(status(date, "2026-07-01") == .notMet)    // after the audit date
        let na = F.question("Q6", allowNA: true)
        #expect(status(na, "na") == .notApplicable)
        let text = F.question("Q7", .text, expect: .unscored)
        #expect(status(text, "anything") == .notApplicable)
        #expect(F.audit(F.requirement("q", [yesNo])).status == .notAssessed)
    }

    @Test func aConditionSelectsWhichCheckApplies() {
        let cap = F.fee(.cap(.amount(ExactDecimal(10000), currency: "NPR")), ["recruitment_fee"],
                        when: Condition(question: "REFUSED", answer: "yes"))
        let zero = F.fee(.noneByWorker, ["recruitment_fee"], when: Condition(question: "REFUSED", answer: "no"))
        let standard = F.standard([F.requirement("cap", [cap]), F.requirement("zero", [zero])])
        let records = [F.record("W1", "recruitment_fee", "9000", line: 2)]
        let refused = F.audit([standard], records: records, answers: [F.answer("REFUSED", "yes")])
        #expect(refused.requirements.map(\.status) == [.met, .notApplicable])
        let paid = F.audit([standard], records: records, answers: [F.answer("REFUSED", "no")])
        #expect(paid.requirements.map(\.status) == [.notApplicable, .notMet])
        let unknown = F.audit([standard], records: records)
        #expect(unknown.requirements.map(\.status) == [.notAssessed, .notAssessed])
        #expect(unknown.actions.first?.steps == "Supply REFUSED.")
    }

    @Test func aCompliantAnswerContradictedByTheRecordsIsItsOwnFindingAndAction() {
        let requirement = F.requirement("no-fees", severity: .critical, [F.fee(.noneByWorker, ["recruitment_fee"]), F.question("NO-FEES")])
        let result = F.audit([F.standard([requirement])], records: [F.record("W1", "recruitment_fee", "100", line: 2)],
                             answers: [F.answer("NO-FEES", "yes", line: 7)])
        #expect(result.requirements[0].claimContradicted)
        #expect(result.requirements[0].checks[1].status == .notMet)
        #expect(result.findings.map(\.id) == ["test-std/no-fees/1", "test-std/no-fees/2"])
        #expect(result.findings[1].claimContradicted)
        #expect(result.findings[1].evidence.map(\.line) == [7])
        #expect(result.actions.map(\.id) == ["test-std/no-fees", "test-std/no-fees#claim"])
    }

    @Test func notAssessedWinsOverMetButNotOverNotMet() {
        let requirement = F.requirement("r", [F.question("A"), F.question("B")])
        #expect(F.audit(requirement, answers: [F.answer("A", "yes")]).status == .notAssessed)
        #expect(F.audit(requirement, answers: [F.answer("A", "no")]).status == .notMet)
        #expect(F.audit(requirement, answers: [F.answer("A", "yes"), F.answer("B", "partial")]).status == .partiallyMet)
    }
}
