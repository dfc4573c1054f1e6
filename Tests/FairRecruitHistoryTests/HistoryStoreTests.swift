import FairRecruitCore
import FairRecruitReports
import Foundation
import Testing
@testable import FairRecruitHistory

/// One requirement decided by a yes/no question, so each audit's outcome is set by one answer.
private let standard = Standard(
    id: "hist", title: "History test", version: "1", publisher: "Tests", source: "https://example.org", kind: .corporate,
    scope: Scope(), principles: [Principle(id: "p", title: "P")],
    requirements: [Requirement(id: "policy", principle: "p", title: "A written policy", severity: .major,
                               checks: [Check(.question(Question(id: "Q-POLICY", text: "Policy?", answer: .yesNo, expect: .answer("yes"))))],
                               remediation: "Write it.", evidence: "The policy.", owner: .agency)],
    path: "hist.yaml", sha256: "00")

private func temporaryHistory() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("fairrecruit-history-\(UUID().uuidString).sqlite").path
}

/// Runs the engine inside `record`, as the audit command does, and returns the audit's result.
@discardableResult
private func record(_ store: HistoryStore, answer: String, on day: String) throws -> AuditResult {
    let asOf = Day(iso: day)!
    return try store.record(agency: "AG-1", asOf: asOf, toolVersion: "test") { memory in
        var input = AuditInput(agencyID: "AG-1", asOf: asOf, records: [],
                               answers: ["Q-POLICY": Answer(agencyID: "AG-1", questionID: "Q-POLICY", value: answer,
                                                            location: SourceLocation(file: "answers.csv", line: 2))],
                               feesProvided: false, categories: FeeCategories(categories: [], groups: [:]), rates: ExchangeRates([]))
        input.memory = memory
        let result = AuditEngine().audit([standard], input: input)
        let report = JSONReporter().render(AuditReport(result: result, toolVersion: "test", inputs: [], dataQuality: []))
        return (result, report, result)
    }
}

@Suite struct HistoryStoreTests {
    @Test func eachAuditIsComparedWithTheOneBeforeIt() throws {
        let store = try HistoryStore(path: temporaryHistory())
        let first = try record(store, answer: "no", on: "2026-01-31")
        #expect(first.findings[0].change == .new)
        #expect(first.progress?.previous == nil)
        let second = try record(store, answer: "no", on: "2026-04-30")
        #expect(second.findings[0].change == .unchanged)
        #expect(second.progress?.previous?.asOf.description == "2026-01-31")
        #expect(second.actions[0].firstDetected.description == "2026-01-31")
        #expect(second.actions[0].dueDate.description == "2026-05-01" && !second.actions[0].overdue)   // + 90 days
        let third = try record(store, answer: "yes", on: "2026-06-30")
        #expect(third.findings.isEmpty)
        #expect(third.progress?.fixedFindings.map(\.id) == ["hist/policy/1"])
        #expect(third.progress?.previous?.score == ExactDecimal(0))
        let fourth = try record(store, answer: "no", on: "2026-09-30")
        #expect(fourth.findings[0].change == .regressed)                        // failed in January and April
        #expect(fourth.actions[0].firstDetected.description == "2026-09-30")    // a new deadline after the fix
        let audits = try store.audits()
        #expect(audits.map(\.asOf.description) == ["2026-01-31", "2026-04-30", "2026-06-30", "2026-09-30"])
        #expect(audits.map(\.rating) == ["E", "E", "A", "E"])
        #expect(audits.map(\.fingerprints) == [1, 1, 0, 1])
        #expect(try store.integrityCheck() == "ok")
    }

    @Test func actionStatesAreLoggedAndAnAuditStillFindingADoneActionReopensIt() throws {
        let store = try HistoryStore(path: temporaryHistory())
        try record(store, answer: "no", on: "2026-01-31")
        #expect(try store.setState(agency: "AG-1", action: "hist/policy", to: .inProgress, on: Day(iso: "2026-02-01")!, note: "") == .open)
        let kept = try record(store, answer: "no", on: "2026-02-28")
        #expect(kept.actions[0].state == .inProgress)
        #expect(try store.setState(agency: "AG-1", action: "hist/policy", to: .done, on: Day(iso: "2026-03-15")!, note: "policy signed") == .inProgress)
        #expect(try store.actions(agency: "AG-1").map(\.state) == [.done])
        let reopened = try record(store, answer: "no", on: "2026-06-30")
        #expect(reopened.actions[0].state == .open)
        #expect(reopened.actions[0].overdue)   // first detected 2026-01-31, due 2026-05-01
        let log = try store.stateLog(agency: "AG-1", action: "hist/policy")
        #expect(log.map(\.state) == [.open, .inProgress, .done, .open])
        #expect(log.map(\.note) == ["first detected by the audit of 2026-01-31", "", "policy signed",
                                    "reopened: the audit of 2026-06-30 still finds it"])
        let tracked = try store.actions(agency: "AG-1")[0]
        #expect(tracked.isOverdue(on: Day(iso: "2026-07-01")!) && !tracked.isOverdue(on: Day(iso: "2026-05-01")!))
    }

    @Test func unknownAgenciesAndActionsAreUsageErrorsWithSuggestions() throws {
        let store = try HistoryStore(path: temporaryHistory())
        try record(store, answer: "no", on: "2026-01-31")
        #expect(throws: HistoryError.self) { try store.setState(agency: "AG-2", action: "hist/policy", to: .done, on: Day(ordinal: 0), note: "") }
        do {
            _ = try store.setState(agency: "AG-1", action: "hist/polcy", to: .done, on: Day(ordinal: 0), note: "")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .usage)
            #expect(error.message == "error: no action 'hist/polcy' in the audits of 'AG-1'; did you mean 'hist/policy'?")
        }
    }

    @Test func aFileThatIsNotAHistoryIsRefused() throws {
        let garbage = temporaryHistory()
        try Data("this is not a database, just text that is long enough to look like a header....".utf8).write(to: URL(fileURLWithPath: garbage))
        do { _ = try HistoryStore(path: garbage); Issue.record("expected an error") } catch {
            #expect(error.kind == .badData)
            #expect(error.message.hasPrefix("\(garbage): error: not a FairRecruit history"))
        }
        do { _ = try HistoryStore(path: "/no/such/folder/history.sqlite"); Issue.record("expected an error") } catch {
            #expect(error.kind == .unreadable)
        }
    }
}

@Suite struct ReportReaderTests {
    @Test func aReportReadsBackAsASnapshot() throws {
        let json = """
        {"schemaVersion": 1, "asOf": "2026-06-30", "agency": {"id": "AG-1"}, "score": 61.5, "rating": "C",
         "requirements": [{"standard": "s", "id": "r", "status": "not_met"}, {"standard": "s", "id": "q", "status": "met"}],
         "findings": [
           {"id": "s/r/1", "standard": "s", "requirement": "r", "status": "not_met", "severity": "major", "message": "m",
            "workers": ["W1", "W2"]},
           {"id": "s/q/1", "standard": "s", "requirement": "q", "status": "met", "severity": "minor", "message": "m",
            "change": "fixed"}],
         "actions": [{"id": "s/r", "firstDetected": "2026-01-31", "state": "in_progress"}, {"id": "s/r#claim"}]}
        """
        let snapshot = try ReportReader.snapshot(from: Data(json.utf8), file: "old.json")
        #expect(snapshot.agencyID == "AG-1" && snapshot.asOf.description == "2026-06-30")
        #expect(snapshot.score == ExactDecimal(parsing: "61.5") && snapshot.rating == "C")
        #expect(snapshot.findings.map(\.workers) == [["W1", "W2"]])
        #expect(snapshot.fixedFindings.map(\.id) == ["s/q/1"])
        #expect(snapshot.requirementStatuses == ["s/r": .notMet, "s/q": .met])
        #expect(snapshot.actions["s/r"] == .init(firstDetected: Day(iso: "2026-01-31")!, state: .inProgress))
        #expect(snapshot.actions["s/r#claim"] == .init(firstDetected: Day(iso: "2026-06-30")!, state: .open))
    }

    @Test func somethingElseIsNotAReport() {
        #expect(throws: HistoryError.self) { try ReportReader.snapshot(from: Data("{".utf8), file: "x.json") }
        do {
            _ = try ReportReader.snapshot(from: Data(#"{"schemaVersion": 1, "asOf": "2026-06-30", "agency": {"id": "A"}, "rating": "C", "requirements": [], "findings": [{"id": "x"}], "actions": []}"#.utf8), file: "x.json")
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "x.json: error: not a FairRecruit report: missing 'findings[0].standard'")
        }
    }
}
