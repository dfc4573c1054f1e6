import Testing
@testable import FairRecruitCore

private typealias F = Fixture

/// Requirements decided by one yes/partial/no question each.
private func questions(_ specs: [(id: String, severity: Severity, answer: String)]) -> (Standard, [(String, Answer)]) {
    let requirements = specs.map { F.requirement($0.id, severity: $0.severity, [F.question("Q-\($0.id)", .yesPartialNo)]) }
    return (F.standard(requirements), specs.map { F.answer("Q-\($0.id)", $0.answer) })
}

/// A fee requirement (major, weight 3) breached by W1 (to Qatar) and W2 (to Malaysia), beside a
/// minor question requirement that is met: score without waivers 2 / 4 halves → 25.0.
private let feeStandard = F.standard([
    F.requirement("no-fees", [F.fee(.noneByWorker, ["recruitment_fee"])]),
    F.requirement("policy", severity: .minor, [F.question("Q-POLICY")]),
])
private let feeRecords = [
    F.record("W1", "recruitment_fee", "5000", destination: "QA", line: 2),
    F.record("W2", "recruitment_fee", "3000", destination: "MY", line: 3),
]

private func finding(_ id: String, workers: [String] = []) -> Finding {
    let parts = id.split(separator: "/").map(String.init)
    return Finding(id: id, standard: parts[0], requirement: parts[1], status: .notMet, severity: .major, gradingCell: nil,
                   message: "earlier", citation: nil, verified: true, claimContradicted: false, workersAffected: workers.count,
                   workersAssessed: workers.count, workersRemedied: 0, workersUnclassified: 0, evidence: [], workers: workers)
}

private func fingerprint(_ requirement: String, _ worker: String) -> Fingerprint {
    Fingerprint(standard: "test-std", requirement: requirement, agency: "AG-1", worker: worker)
}

@Suite struct WaiverTests {
    // critical met 5×2, major not met 3×0, minor partial 1×1 → 11 halves / 9 → 61.1 (C).
    let standard = questions([("a", .critical, "yes"), ("b", .major, "no"), ("c", .minor, "partial")]).0
    let answers = questions([("a", .critical, "yes"), ("b", .major, "no"), ("c", .minor, "partial")]).1

    @Test func aWaivedRequirementIsLeftOutOfTheScoreNotCountedAsMet() {
        let result = F.audit([standard], answers: answers, waivers: [F.waiver("b")], memory: AuditMemory())
        #expect(result.overallWithoutWaivers.score == ExactDecimal.d("61.1"))
        #expect(result.overallWithoutWaivers.rating == "C")
        // 11 halves / 6 → 91.7 (A); as met it would be 17 / 18 → 94.4.
        #expect(result.overall.score == ExactDecimal.d("91.7"))
        #expect(result.overall.coverage == ExactDecimal(1))
        #expect(result.overall.rating == "A")
        #expect(result.requirements[1].status == .notMet)   // the truth stays in the report
        #expect(result.findings.map(\.waived) == [true, false])
        let b = result.actions.first { $0.id == "test-std/b" }!
        #expect(b.waived && b.scoreGainTenths == 0)
        #expect(result.actions.first { $0.id == "test-std/c" }!.scoreGainTenths == 83)   // 12 / 6 → 100.0
        #expect(result.progress?.waivers.map(\.status) == [.applied])
    }

    @Test func anExpiredWaiverStopsApplyingAndIsListed() {
        let onTheDay = F.audit([standard], answers: answers, waivers: [F.waiver("b", expires: "2026-06-30")], memory: AuditMemory())
        #expect(onTheDay.overall.score == ExactDecimal.d("91.7"))   // the expiry day is the last day it applies
        let expired = F.audit([standard], answers: answers, waivers: [F.waiver("b", expires: "2026-06-29")], memory: AuditMemory())
        #expect(expired.overall.score == ExactDecimal.d("61.1"))
        #expect(expired.findings.map(\.waived) == [false, false])
        #expect(expired.progress?.waivers.map(\.status) == [.expired])
    }

    @Test func otherAgenciesWaiversDoNothingAndUnauditedRequirementsAreSaid() {
        let result = F.audit([standard], answers: answers, waivers: [F.waiver("b", agency: "AG-2"), F.waiver("zzz")], memory: AuditMemory())
        #expect(result.overall.score == ExactDecimal.d("61.1"))
        #expect(result.progress?.waivers.map(\.status) == [.notAudited])
    }

    @Test func aCriticalRequirementIsWaivedOnlyWithTheFlag() {
        // critical not met, major met: 6 halves / 8 → 37.5, capped: E.
        let (critical, answers) = questions([("a", .critical, "no"), ("b", .major, "yes")])
        let refused = F.audit([critical], answers: answers, waivers: [F.waiver("a")], memory: AuditMemory())
        #expect(refused.overall.score == ExactDecimal.d("37.5"))
        #expect(refused.overall.rating == "E")
        #expect(refused.progress?.waivers.map(\.status) == [.criticalNotAllowed])
        let allowed = F.audit([critical], answers: answers, waivers: [F.waiver("a")], allowCriticalWaivers: true, memory: AuditMemory())
        #expect(allowed.overall.score == ExactDecimal(100))
        #expect(allowed.overall.rating == "A")
        #expect(allowed.overallWithoutWaivers.rating == "E")
    }

    @Test func aScopedWaiverRescoresTheFeeCheckWithoutTheCoveredPlacements() {
        let answers = [F.answer("Q-POLICY", "yes")]
        let plain = F.audit([feeStandard], records: feeRecords, answers: answers)
        #expect(plain.overall.score == ExactDecimal(25))
        #expect(plain.findings[0].workers == ["W1", "W2"])
        // Qatar waived: W2 (Malaysia) still breaches.
        let qatar = F.audit([feeStandard], records: feeRecords, answers: answers,
                            waivers: [F.waiver("no-fees", destinations: ["QA"])], memory: AuditMemory())
        #expect(qatar.overall.score == ExactDecimal(25))
        #expect(qatar.findings[0].waived == false)
        // Both workers waived: nothing of the check is left in scope, so the requirement is excluded: 2 / 2 → 100.
        let both = F.audit([feeStandard], records: feeRecords, answers: answers,
                           waivers: [F.waiver("no-fees", workers: ["W1", "W2"])], memory: AuditMemory())
        #expect(both.overall.score == ExactDecimal(100))
        #expect(both.findings[0].waived)
        #expect(both.actions[0].waived && !both.actions[0].overdue)
        // Waivers never change what workers are owed.
        #expect(both.reimbursementsDue.map(\.amount) == [ExactDecimal(8000)])
        #expect(both.actions[0].reimbursements.map(\.workerID) == ["W1", "W2"])
    }
}

@Suite struct FindingChangeTests {
    let answers = [F.answer("Q-POLICY", "yes")]
    let records = feeRecords + [F.record("W3", "recruitment_fee", "1000", line: 4)]

    func previous(_ findings: [Finding], actions: [String: AuditSnapshot.ActionRecord] = [:]) -> AuditSnapshot {
        AuditSnapshot(agencyID: "AG-1", asOf: Day(iso: "2026-01-31")!, score: ExactDecimal(40), rating: "D", findings: findings, actions: actions)
    }

    @Test func eachWorkerIsClassifiedAndTheFindingRollsUp() {
        // Before: W1 and W9 failing; W2 failed in an earlier audit. Now: W1, W2, W3.
        var memory = AuditMemory(previous: previous([finding("test-std/no-fees/1", workers: ["W1", "W9"])]))
        memory.everFailing = [fingerprint("no-fees", "W1"), fingerprint("no-fees", "W9"), fingerprint("no-fees", "W2")]
        let result = F.audit([feeStandard], records: records, answers: answers, memory: memory)
        let now = result.findings[0]
        #expect(now.workers == ["W1", "W2", "W3"])
        #expect(now.changeCounts == ChangeCounts(new: 1, unchanged: 1, regressed: 1, fixed: 1))
        #expect(now.change == .regressed)   // W2's fix did not hold
        #expect(result.progress?.fixedFindings.isEmpty == true)
    }

    @Test func aContinuingFindingIsUnchangedAndAFreshOneNew() {
        let continuing = F.audit([feeStandard], records: records, answers: answers,
                                 memory: AuditMemory(previous: previous([finding("test-std/no-fees/1", workers: ["W1"])])))
        #expect(continuing.findings[0].change == .unchanged)
        #expect(continuing.findings[0].changeCounts == ChangeCounts(new: 2, unchanged: 1))
        let fresh = F.audit([feeStandard], records: records, answers: answers, memory: AuditMemory())
        #expect(fresh.findings[0].change == .new)
    }

    @Test func aPreviousFindingThatNoLongerFailsIsListedFixedWithItsCurrentStatus() {
        let memory = AuditMemory(previous: previous([
            finding("test-std/policy/1"),       // the question is answered yes now: fixed
            finding("other-std/gone/1"),        // not audited now: nothing can be said
        ]))
        let result = F.audit([feeStandard], records: records, answers: answers, memory: memory)
        let fixed = result.progress!.fixedFindings
        #expect(fixed.map(\.id) == ["test-std/policy/1"])
        #expect(fixed[0].change == .fixed && fixed[0].status == .met && fixed[0].message == "earlier")
        #expect(fixed[0].changeCounts == ChangeCounts(fixed: 1))
        // Unanswered now, the question is not assessed: not fixed.
        let unanswered = F.audit([feeStandard], records: records, memory: memory)
        #expect(unanswered.progress!.fixedFindings.isEmpty)
    }

    @Test func aBaselineRemembersWhatItFoundFailingAndWhatItHadSeenFixed() {
        var baseline = previous([finding("test-std/no-fees/1", workers: ["W1"])])
        baseline.fixedFindings = [finding("test-std/no-fees/1", workers: ["W2"])]
        let memory = AuditMemory(baseline: baseline)
        #expect(memory.everFailing == [fingerprint("no-fees", "W1"), fingerprint("no-fees", "W2")])
        let result = F.audit([feeStandard], records: feeRecords, answers: answers, memory: memory)
        #expect(result.findings[0].change == .regressed)
    }
}

@Suite struct ActionTrackingTests {
    let answers = [F.answer("Q-POLICY", "no")]

    func audit(state: RecordedState? = nil, detected: String = "2026-01-31") -> AuditResult {
        let previous = AuditSnapshot(agencyID: "AG-1", asOf: Day(iso: detected)!, score: nil, rating: "NR", findings: [],
                                     actions: ["test-std/no-fees": .init(firstDetected: Day(iso: detected)!, state: .inProgress)])
        var memory = AuditMemory(previous: previous)
        if let state { memory.states["test-std/no-fees"] = state }
        return F.audit([feeStandard], records: feeRecords, answers: answers, memory: memory)
    }

    @Test func theDueDateCountsFromFirstDetectionAndOverdueFollowsTheAuditDate() {
        let result = audit()
        let fees = result.actions.first { $0.id == "test-std/no-fees" }!
        #expect(fees.firstDetected.description == "2026-01-31")
        #expect(fees.dueDate.description == "2026-05-01")   // + 90 days (major)
        #expect(fees.state == .inProgress)                   // carried from the previous audit
        #expect(fees.overdue)                                // 2026-05-01 < 2026-06-30
        let policy = result.actions.first { $0.id == "test-std/policy" }!
        #expect(policy.firstDetected == F.asOf && policy.dueDate.description == "2026-12-27")
        #expect(policy.state == .open && !policy.overdue)
        // Detected recently, the same action is not overdue.
        #expect(audit(detected: "2026-06-01").actions.first { $0.id == "test-std/no-fees" }!.overdue == false)
    }

    @Test func aRecordedStateWinsAndAnActionStillFoundAfterDoneIsReopened() {
        let doneBefore = audit(state: RecordedState(state: .done, on: Day(iso: "2026-03-01")!))
        #expect(doneBefore.actions.first { $0.id == "test-std/no-fees" }!.state == .open)
        let doneAfter = audit(state: RecordedState(state: .done, on: Day(iso: "2026-07-15")!))
        let action = doneAfter.actions.first { $0.id == "test-std/no-fees" }!
        #expect(action.state == .done && !action.overdue)
    }

    @Test func withoutMemoryActionsAreOpenAndNeverOverdue() {
        let result = F.audit([feeStandard], records: feeRecords, answers: answers)
        #expect(result.progress == nil)
        #expect(result.actions.allSatisfy { $0.state == .open && !$0.overdue && $0.firstDetected == F.asOf })
    }
}
