import FairRecruitCore
import FairRecruitHistory
import Foundation
import Testing

/// History, baselines, waivers and action tracking through the built binary.
@Suite struct HistoryEndToEndTests {
    static let standard = "\(Tool.fixtures)/e2e-standard.yaml"

    func audit(_ extra: [String], answers: String = "answers.csv", fees: String = "\(Tool.fixtures)/fees.csv",
               asOf: String = "2026-06-30", output: String) throws -> Tool.Result {
        try Tool.run(["audit", "--standard", Self.standard, "--fees", fees, "--assessment", "\(Tool.fixtures)/\(answers)",
                      "--as-of", asOf, "--output", output] + extra)
    }

    @Test func auditsRecordedInAHistoryAreComparedListedAndTheirActionsTracked() throws {
        let folder = Tool.temporaryFolder("history")
        let history = folder + "/history.sqlite"
        let first = try audit(["--history", history], asOf: "2026-03-31", output: folder + "/1")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("no earlier audit: 4 new, 0 regressed, 0 unchanged, 0 fixed"))
        let marked = try Tool.run(["history", "action", "A-1", "e2e-zero-fee/receipts", "--state", "in_progress", "--on", "2026-04-02",
                                   "--note", "new receipt books ordered", "--history", history])
        #expect(marked.status == 0 && marked.stdout == "A-1 e2e-zero-fee/receipts: open → in_progress on 2026-04-02\n", "\(marked.stderr)")
        let second = try audit(["--history", history], answers: "answers-policy-yes.csv", asOf: "2026-06-30", output: folder + "/2")
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("since 2026-03-31 (score 5.6, rating E): 0 new, 0 regressed, 3 unchanged, 1 fixed; 3 action(s) overdue"))
        let report = try Tool.json(folder + "/2")
        let actions = report["actions"] as! [[String: Any]]
        // First detected 2026-03-31: no-fees (critical, 30 days) and its claim due 2026-04-30, receipts (major, 90)
        // due 2026-06-29; all three overdue on 2026-06-30, receipts although in progress.
        #expect(actions.map { $0["id"] as! String } == ["e2e-zero-fee/no-fees", "e2e-zero-fee/no-fees#claim", "e2e-zero-fee/receipts"])
        #expect(actions.map { $0["dueDate"] as! String } == ["2026-04-30", "2026-04-30", "2026-06-29"])
        #expect(actions.map { $0["overdue"] as! Bool } == [true, true, true])
        #expect(actions.map { $0["state"] as! String } == ["open", "open", "in_progress"])
        let findings = report["findings"] as! [[String: Any]]
        #expect(findings.map { $0["change"] as! String } == ["unchanged", "unchanged", "unchanged", "fixed"])
        #expect((report["previous"] as! [String: Any])["asOf"] as? String == "2026-03-31")
        #expect(report["scoreChange"] as? Double == 5.5)   // 11.1 - 5.6

        let list = try Tool.run(["history", "list", "--history", history])
        #expect(list.status == 0)
        #expect(list.stdout.contains("A-1     2       2026-06-30  11.1   E       2026-03-31 5.6 E → 2026-06-30 11.1 E"), "\(list.stdout)")
        let show = try Tool.run(["history", "show", "A-1", "--history", history, "--as-of", "2026-07-01"])
        #expect(show.status == 0)
        #expect(show.stdout.contains("Actions of the latest audit (2026-06-30); 3 overdue on 2026-07-01"), "\(show.stdout)")
        #expect(show.stdout.contains("e2e-zero-fee/receipts"))
        let unknown = try Tool.run(["history", "action", "A-1", "e2e-zero-fee/reciepts", "--state", "done", "--history", history])
        #expect(unknown.status == 64)
        #expect(unknown.stderr == "error: no action 'e2e-zero-fee/reciepts' in the audits of 'A-1'; did you mean 'e2e-zero-fee/receipts'?\n")
        let missing = try Tool.run(["history", "list", "--history", folder + "/none.sqlite"])
        #expect(missing.status == 66)
    }

    @Test func aBaselineAndWaiversGiveByteIdenticalReportsAndDiffAgrees() throws {
        let a = Tool.temporaryFolder("baseline-a"), b = Tool.temporaryFolder("baseline-b")
        let extra = ["--baseline", "\(Tool.fixtures)/baseline.json", "--waivers", "\(Tool.fixtures)/waivers.yaml", "--format", "json,md,html,csv"]
        let run = try audit(extra, answers: "answers-policy-yes.csv", output: a)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("\(Tool.fixtures)/waivers.yaml:8:5: waiver of e2e-zero-fee/policy not applied: it expired on 2026-01-01"))
        #expect(run.stdout.contains("without waivers: score 11.1, rating E"))
        _ = try audit(extra, answers: "answers-policy-yes.csv", output: b)
        for name in ["report.json", "report.md", "report.html", "findings.csv", "actions.csv", "reimbursements.csv", "rejections.csv",
                     "waivers.csv"] {
            let first = FileManager.default.contents(atPath: a + "/" + name)
            #expect(first != nil && first == FileManager.default.contents(atPath: b + "/" + name), "\(name)")
        }
        // Every format carries the progress: the HTML its section, the CSV exports their columns.
        let page = try String(contentsOfFile: a + "/report.html", encoding: .utf8)
        #expect(page.contains("<section id=\"progress\">") && page.contains("<h3 id=\"waivers\">Waivers</h3>"))
        let actionsCSV = try String(contentsOfFile: a + "/actions.csv", encoding: .utf8)
        #expect(actionsCSV.contains(",Corporate policy s. 1,in_progress,yes,2026-02-28,no\n"))
        let report = try Tool.json(a)
        #expect(report["score"] as? Double == 16.7 && report["scoreWithoutWaivers"] as? Double == 11.1)
        #expect((report["waivers"] as! [[String: Any]]).map { $0["applied"] as! Bool } == [true, false])
        // diff classifies the new report against the baseline as the audit did.
        let diff = try Tool.run(["diff", "\(Tool.fixtures)/baseline.json", a + "/report.json", "--format", "json"])
        #expect(diff.status == 0, "\(diff.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(diff.stdout.utf8)) as! [String: Any]
        #expect((json["findings"] as! [[String: Any]]).map { $0["change"] as! String } == ["unchanged", "new", "regressed", "fixed"])
        #expect(json["counts"] as! [String: Int] == ["new": 1, "regressed": 1, "unchanged": 1, "fixed": 1])
        #expect(json["scoreChange"] as? Double == -3.3)
        let text = try Tool.run(["diff", "\(Tool.fixtures)/baseline.json", a + "/report.json"])
        #expect(text.stdout.contains("Score change: -3.3; rating E → E."))
    }

    @Test func badWaiversBaselinesAndFlagsFailWithTheirCodes() throws {
        let folder = Tool.temporaryFolder("bad")
        let waivers = folder + "/waivers.yaml"
        try """
        schema: fairrecruit/waivers@1
        waivers:
          - requirement: e2e-zero-fee/no-fees
            agency: A-1
            reason: Critical, so it needs the flag
            approver: Someone
            expires: 2026-12-31
          - requirement: e2e-zero-fee/policy
            agency: A-1
            reason: Bad date
            approver: Someone
            expires: soon

        """.write(toFile: waivers, atomically: true, encoding: .utf8)
        let bad = try audit(["--waivers", waivers], output: folder + "/out")
        #expect(bad.status == 65)
        #expect(bad.stderr == """
            \(waivers):3:18: error: 'e2e-zero-fee/no-fees' is a critical requirement: waiving it needs --allow-critical-waivers
            \(waivers):12:14: error: expected a date (YYYY-MM-DD) for 'expires', found 'soon'

            """)
        #expect(!FileManager.default.fileExists(atPath: folder + "/out/report.json"))
        let flagged = try audit(["--waivers", waivers, "--allow-critical-waivers"], output: folder + "/out")
        #expect(flagged.status == 65 && !flagged.stderr.contains("critical"))
        #expect(try audit(["--allow-critical-waivers"], output: folder + "/out").status == 64)
        let other = try audit(["--baseline", "\(Tool.fixtures)/baseline.json", "--agency", "B-2"],
                              fees: "\(Tool.fixtures)/fees-two-agencies.csv", output: folder + "/out")
        #expect(other.status == 64)
        #expect(other.stderr.contains("the baseline is an audit of agency 'A-1', not 'B-2'"))
        let notReport = try audit(["--baseline", "\(Tool.fixtures)/answers.csv"], output: folder + "/out")
        #expect(notReport.status == 65 && notReport.stderr.hasPrefix("\(Tool.fixtures)/answers.csv: error: not a FairRecruit report"))
        #expect(try audit(["--baseline", folder + "/none.json"], output: folder + "/out").status == 66)
    }
}

/// A big audit: 20,000 workers each paying a fee without a receipt, so the history write holds
/// 40,000 fingerprints and takes a while.
private func bigFees(in folder: String) throws -> String {
    var text = "agency_id,worker_id,origin,destination,category,amount,currency,paid_by,paid_on,receipt\n"
    for i in 0..<20_000 { text += "BIG-1,W\(i),NP,QA,recruitment_fee,\(100 + i % 50),NPR,worker,2026-01-10,no\n" }
    let path = folder + "/big-fees.csv"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

private func startAudit(history: String, fees: String, asOf: String, output: String, environment: [String: String] = [:]) throws -> (Process, Pipe) {
    let process = Process()
    process.executableURL = Tool.binary
    process.arguments = ["audit", "--standard", HistoryEndToEndTests.standard, "--fees", fees, "--as-of", asOf,
                         "--output", output, "--history", history]
    process.currentDirectoryURL = Tool.root
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let err = Pipe()
    process.standardError = err
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    return (process, err)
}

/// The history as a later process finds it: SQLite's integrity check, and every audit complete.
private func assertSound(_ history: String, audits expected: Set<Int>, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [AuditRecord] {
    let store = try HistoryStore(path: history)
    #expect(try store.integrityCheck() == "ok", sourceLocation: sourceLocation)
    let audits = try store.audits()
    #expect(expected.contains(audits.count), "\(audits.count) audits", sourceLocation: sourceLocation)
    for audit in audits where audit.agency == "BIG-1" {
        #expect(audit.fingerprints == 40_000, sourceLocation: sourceLocation)
        #expect(try store.actions(agency: "BIG-1").count == audit.actions, sourceLocation: sourceLocation)
    }
    return audits
}

@Suite(.serialized) struct HistoryCrashSafetyTests {
    @Test func killedMidWriteTheHistoryKeepsItsOldStateAndTakesTheNextAudit() throws {
        let folder = Tool.temporaryFolder("crash")
        let history = folder + "/history.sqlite"
        let fees = try bigFees(in: folder)
        #expect(try Tool.audit(["--history", history], output: folder + "/small").status == 0)
        // The test hook stops the writer inside its transaction, after half the fingerprints.
        let (process, err) = try startAudit(history: history, fees: fees, asOf: "2026-06-30", output: folder + "/big",
                                            environment: ["FAIRRECRUIT_TEST_STALL_MID_WRITE": "1"])
        var said = ""
        while !said.contains("stalled mid-write") {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            said += String(decoding: chunk, as: UTF8.self)
        }
        #expect(said.contains("stalled mid-write"), "\(said)")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let before = try assertSound(history, audits: [1])
        #expect(before.map(\.agency) == ["A-1"])
        // The same audit, left alone, lands whole.
        let (again, _) = try startAudit(history: history, fees: fees, asOf: "2026-06-30", output: folder + "/big")
        again.waitUntilExit()
        #expect(again.terminationStatus == 0)
        #expect(try assertSound(history, audits: [2]).map(\.agency) == ["A-1", "BIG-1"])
    }

    @Test func killedAtAnyMomentTheHistoryIsTheOldStateOrTheNew() throws {
        let folder = Tool.temporaryFolder("crash-timing")
        let history = folder + "/history.sqlite"
        let fees = try bigFees(in: folder)
        #expect(try Tool.audit(["--history", history], output: folder + "/small").status == 0)
        var landed = 1
        for delay in [0.8, 1.4, 2.0, 2.6] {
            let (process, _) = try startAudit(history: history, fees: fees, asOf: "2026-06-30", output: folder + "/big")
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            landed = try assertSound(history, audits: [landed, landed + 1]).count
        }
    }

    @Test func twoProcessesWritingTheSameHistoryBothLand() throws {
        let folder = Tool.temporaryFolder("concurrent")
        let history = folder + "/history.sqlite"   // a new file: both may try to create it
        let fees = try bigFees(in: folder)
        let started = try (0..<2).map { i in
            try startAudit(history: history, fees: fees, asOf: "2026-06-30", output: folder + "/out\(i)")
        }
        for (process, err) in started {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
        }
        #expect(try assertSound(history, audits: [2]).count == 2)
        // The writes were serialised: one audit saw the other as its previous one.
        let previous = try (0..<2).map { i in try Tool.json(folder + "/out\(i)")["previous"] }
        #expect(previous.filter { $0 is NSNull }.count == 1)
    }
}
