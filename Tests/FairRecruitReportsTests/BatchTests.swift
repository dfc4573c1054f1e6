import FairRecruitCore
import Foundation
import Synchronization
import Testing
@testable import FairRecruitCLI
@testable import FairRecruitReports

/// The batch fixture (Tests/EndToEndTests/Fixtures/batch), audited in process from the package root.
///
/// Standard `batch-std`: no-fees (critical, weight 5, recruitment fees), licence (registry, critical,
/// weight 1), policy (question, minor, weight 1). Registry: AG-1, AG-2 active; AG-3 expired on
/// 2026-01-31; AG-5 active (sent nothing). AG-4 and AG-6 are not listed. Hand-computed outcomes:
///
/// | agency | what it sent | no-fees | licence | policy | score | rating |
/// |---|---|---|---|---|---|---|
/// | AG-1 | W1 medical 1000 (0.1 month), W2 employer-paid visa (0) | met | met | yes | 100.0 | A |
/// | AG-2 | W1 fee 20000 to QA (2 months, owed), W3 fee 5000 refunded in 28 days (0.5) | not met | met | yes | 4 halves / 7 → 28.6 | E (critical cap) |
/// | AG-3 | W7 fee 3000 on 2026-03-15 (0.3), after its licence expired | not met | not met | no | 0.0 | E |
/// | AG-4 | W9 medical 2000 to QA, no wage | met | not listed | — | 10 / 6 → 83.3, coverage 0.857 | D (critical cap) |
/// | AG-6 | answers only | not assessed | not listed | yes | 2 / 2 → 50.0 | D (critical cap) |
/// | AG-5 | nothing | | | | — | NR |
func batchOutcome(employers: [String] = [], jobs: Int = 2, formats: [AuditConfiguration.Format] = [.json, .md],
                  output: String? = nil, registry: Bool = true) throws -> BatchOutcome {
    _ = FileManager.default.changeCurrentDirectoryPath(root)
    let fixtures = "Tests/EndToEndTests/Fixtures/batch"
    let out = output ?? FileManager.default.temporaryDirectory.appendingPathComponent("fairrecruit-batch-\(UUID().uuidString)").path
    var audit = AuditConfiguration(standards: ["\(fixtures)/batch-standard.yaml"], asOf: Day(iso: "2026-06-30")!, output: out)
    audit.fees = ["\(fixtures)/fees.csv"]
    audit.assessments = ["\(fixtures)/answers.csv"]
    if registry { audit.registry = "\(fixtures)/registry.csv" }
    audit.formats = formats
    var config = BatchConfiguration(audit: audit, jobs: jobs)
    config.employers = employers
    return try AuditPipeline(layout: ProjectLayout(root: ".")).batch(config)
}

private func money(_ totals: MoneyTotals) -> [String] { totals.map { "\($0.amount) \($0.currency)" } }

@Suite(.serialized) struct BatchTests {
    @Test func theLeagueTableAndRatingDistributionAreAsHandComputed() throws {
        let p = try batchOutcome().portfolio.portfolio
        #expect(p.agencies.map(\.agencyID) == ["AG-1", "AG-4", "AG-6", "AG-2", "AG-3", "AG-5"])
        #expect(p.agencies.map(\.rating) == ["A", "D", "D", "E", "E", "NR"])
        #expect(p.agencies.map { $0.score?.description ?? "-" } == ["100", "83.3", "50", "28.6", "0", "-"])
        #expect(p.agencies.map(\.criticalFindings.count) == [0, 1, 1, 1, 2, 0])
        #expect(p.agencies.map { $0.licence.statusName ?? "-" } == ["active", "not_listed", "not_listed", "active", "expired", "active"])
        #expect(p.agencies.map(\.submission) == [.feesAndAssessment, .fees, .assessment, .feesAndAssessment, .feesAndAssessment, .none])
        #expect(p.agencies.map { $0.name ?? "-" } == ["Alpha Overseas", "-", "-", "Bravo Manpower", "Charlie Recruiting", "Echo Placement"])
        #expect(p.ratingDistribution.map { "\($0.rating)\($0.agencies)" } == ["A1", "B0", "C0", "D2", "E2", "NR1"])
    }

    @Test func theEnforcementListAndTheMoneyOwedAreAsHandComputed() throws {
        let p = try batchOutcome().portfolio.portfolio
        #expect(p.enforcement.map(\.agencyID) == ["AG-3", "AG-2", "AG-4", "AG-6"])
        #expect(p.enforcement[0].criticalFindings == ["batch-std/no-fees/1", "batch-std/licence/1"])
        #expect(money(p.enforcement[0].reimbursementsDue) == ["3000 NPR"])
        #expect(money(p.enforcement[1].reimbursementsDue) == ["20000 NPR"])
        #expect(money(p.reimbursementsDue) == ["23000 NPR"])
        #expect(p.requirements.map { "\($0.id) \($0.agenciesNotMet)/\($0.agenciesAssessed)" } == ["licence 3/5", "no-fees 2/4", "policy 1/4"])
    }

    @Test func corridorsAndEmployersAreAsHandComputed() throws {
        let p = try batchOutcome().portfolio.portfolio
        // NP→MY: 0.1, 0, 0.5, 0.3 → mean 0.225 → 0.23, median (0.1 + 0.3) / 2 = 0.2. NP→QA: 2 (W9 has no wage).
        #expect(p.corridors.map { "\($0.origin)>\($0.destination) \($0.workers) \($0.denominator)" } == ["NP>MY 4 4", "NP>QA 2 1"])
        #expect(p.corridors[0].costToWageMean == ExactDecimal(parsing: "0.23") && p.corridors[0].costToWageMedian == ExactDecimal(parsing: "0.2"))
        #expect(p.corridors[1].costToWageMean == ExactDecimal(2) && p.corridors[1].costToWageMedian == ExactDecimal(2))
        #expect(p.employers.map { $0.employer ?? "-" } == ["Hotel North", "Hotel South", "-"])
        #expect(p.employers.map { "\($0.agencies) \($0.workers) \($0.workersCharged)" } == ["3 4 3", "1 1 1", "1 1 1"])
        #expect(p.employers.map { money($0.reimbursementsDue) } == [["3000 NPR"], ["20000 NPR"], []])
    }

    @Test func anEmployerFilterKeepsOnlyThoseWorkplaces() throws {
        let outcome = try batchOutcome(employers: ["Hotel North"])
        let p = outcome.portfolio.portfolio
        // AG-2 keeps W3 only (refunded in time): no-fees partially met, 9 halves / 7 → 64.3, C. AG-4 sent
        // nothing for Hotel North and no answers: not in the batch (and, unlisted, not in the registry either).
        #expect(p.agencies.map(\.agencyID) == ["AG-1", "AG-2", "AG-6", "AG-3", "AG-5"])
        #expect(p.agencies.map(\.rating) == ["A", "C", "D", "E", "NR"])
        #expect(p.employers.map(\.employer) == ["Hotel North"])
        #expect(p.corridors.map(\.destination) == ["MY"])
        #expect(money(p.reimbursementsDue) == ["3000 NPR"])
        #expect(outcome.portfolio.employerFilter == ["Hotel North"])
        // Rows at other workplaces are counted, never read: 8 = 4 accepted + 0 rejected + 4 others,
        // and those 4 are all at other workplaces (§8: read = accepted + rejected + other, always).
        let fees = try #require(outcome.portfolio.inputs.first)
        #expect(fees.rowsRead == 8 && fees.rowsAccepted == 4 && fees.rowsRejected == 0 && fees.rowsOtherAgency == 4 && fees.rowsOtherEmployer == 4)
        #expect(outcome.portfolio.inputs.dropFirst().allSatisfy { $0.rowsOtherEmployer == nil })
    }

    @Test func everyAgencyReportAccountsForItsShareOfEachFile() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fairrecruit-batch-share-\(UUID().uuidString)").path
        _ = try batchOutcome(output: out)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/agencies/AG-2/report.json"))) as! [String: Any]
        #expect((report["agency"] as! [String: Any])["name"] as? String == "Bravo Manpower")
        let inputs = report["inputs"] as! [[String: Any]]
        #expect(inputs.map { $0["file"] as! String }.map { ($0 as NSString).lastPathComponent } == ["fees.csv", "answers.csv", "registry.csv"])
        // fees.csv: AG-2's 2 accepted rows and its 1 rejected row; the other 5 rows (with the unreadable agency's) are others'.
        #expect(inputs.map { "\($0["rowsRead"]!) \($0["rowsAccepted"]!) \($0["rowsRejected"]!) \($0["rowsOtherAgency"]!)" } == ["8 2 1 5", "4 1 0 3", "4 1 0 3"])
        #expect(!FileManager.default.fileExists(atPath: out + "/agencies/AG-5"))   // sent nothing: no reports
    }

    @Test func withoutARegistryTheLicenceIsNotAssessedAndNobodyIsListedAsSilent() throws {
        let p = try batchOutcome(registry: false).portfolio.portfolio
        #expect(p.agencies.map(\.agencyID).contains("AG-5") == false)
        #expect(p.agencies.allSatisfy { $0.licence == .noRegistry })
        #expect(p.requirements.first { $0.id == "licence" }?.agenciesAssessed == 0)
    }

    @Test func thePortfolioMatchesItsSnapshots() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fairrecruit-batch-snap-\(UUID().uuidString)").path
        _ = try batchOutcome(formats: [.json, .md, .html, .csv], output: out)
        for name in ["portfolio.json", "portfolio.md", "portfolio.html", "portfolio.csv", "portfolio-corridors.csv",
                     "portfolio-employers.csv", "portfolio-requirements.csv", "portfolio-rejections.csv"] {
            try assertSnapshot(String(contentsOfFile: out + "/" + name, encoding: .utf8), named: "batch-" + name)
        }
    }

    @Test func theSchemaDescribesThePortfolioAndTheBatchReports() throws {
        let schemas = ReportSchemaTests()
        for employers in [[], ["Hotel North"]] {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("fairrecruit-batch-schema-\(UUID().uuidString)").path
            _ = try batchOutcome(employers: employers, output: out)
            let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/Docs/portfolio.schema.json"))) as! [String: Any]
            let portfolio = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/portfolio.json")))
            #expect(schemas.problems(portfolio, schema, path: "portfolio") == [])
            let reportSchema = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/Docs/report.schema.json"))) as! [String: Any]
            let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/agencies/AG-1/report.json")))
            #expect(schemas.problems(report, reportSchema, path: "report") == [])
        }
    }
}

@Suite(.serialized) struct PortfolioHTMLTests {
    func page() throws -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fairrecruit-batch-html-\(UUID().uuidString)").path
        _ = try batchOutcome(formats: [.html], output: out)
        return try String(contentsOfFile: out + "/portfolio.html", encoding: .utf8)
    }

    @Test func theOnlyScriptIsAllowedByItsHashAndThePageLoadsNothing() throws {
        let html = try page()
        let scripts = html.components(separatedBy: "<script>")
        #expect(scripts.count == 2)
        let script = try #require(scripts.last?.components(separatedBy: "</script>").first)
        #expect(script.contains("data-sortable"))
        #expect(html.contains("script-src 'sha256-\(PortfolioHTMLReporter.hash(script))'"))
        #expect(html.contains("default-src 'none'"))
        for pattern in [#"<script\s+src"#, #"<link[^>]*stylesheet"#, #"@import"#, #"url\("#, #"https?://"#, #"<iframe"#, #"<img"#] {
            #expect(html.range(of: pattern, options: .regularExpression) == nil, "\(pattern)")
        }
    }

    @Test func theLeagueTableIsCompleteWithoutScriptAndLinksToEachReport() throws {
        let html = try page()
        #expect(html.contains(#"<td data-label="Agency" class="id" data-value="AG-1"><a href="agencies/AG-1/report.html">AG-1</a><br><span class="muted">Alpha Overseas</span></td>"#))
        #expect(html.contains(#"<td data-label="Agency" class="id" data-value="AG-5">AG-5<br><span class="muted">Echo Placement</span></td>"#))
        #expect(html.components(separatedBy: "<tr data-rank=").count == 7)
        #expect(html.contains(#"<td data-label="Score" class="num" data-value="28.6">28.6</td>"#))
    }

    @Test func inputDerivedNamesAreEscaped() throws {
        var report = try batchOutcome().portfolio
        report.portfolio.agencies[0].name = "<script>alert(1)</script>"
        report.portfolio.employers[0].employer = "\"><img src=x onerror=alert(1)>"
        let html = PortfolioHTMLReporter(templates: try ReportTemplates.load(from: [root + "/Templates"], required: ReportTemplates.portfolioPages)).render(report)
        #expect(!html.contains("<script>alert"))
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        let markdown = PortfolioMarkdownReporter().render(report)
        #expect(markdown.contains("\\<script\\>alert(1)\\</script\\>"))
    }
}

@Suite struct ProgressMeterTests {
    @Test func theLineGivesRecordsPerSecondAndTheTimeLeft() {
        #expect(ProgressMeter.line(agencies: 120, totalAgencies: 507, records: 1_000_000, totalRecords: 4_000_000, seconds: 4)
                == "audited 120/507 agencies, 1000000/4000000 records (250000 records/s), about 12 s left")
        #expect(ProgressMeter.line(agencies: 507, totalAgencies: 507, records: 4_000_000, totalRecords: 4_000_000, seconds: 16)
                == "audited 507/507 agencies, 4000000/4000000 records (250000 records/s)")
    }

    @Test func theReadingLineGivesMebibytesPerSecondAndTheTimeLeft() {
        #expect(ProgressMeter.readingLine(file: "/data/fees.csv", bytesRead: 412 << 20, size: 1104 << 20, seconds: 4)
                == "reading fees.csv: 412/1104 MiB (103 MiB/s), about 7 s left")
        #expect(ProgressMeter.readingLine(file: "fees.csv", bytesRead: 1104 << 20, size: 1104 << 20, seconds: 8)
                == "reading fees.csv: 1104/1104 MiB (138 MiB/s)")
    }

    @Test func aBatchReportsReadingAndAuditingToTheMeter() throws {
        let lines = Mutex<[String]>([])
        let meter = ProgressMeter { text in lines.withLock { $0.append(text) } }
        _ = FileManager.default.changeCurrentDirectoryPath(root)
        let fixtures = "Tests/EndToEndTests/Fixtures/batch"
        var audit = AuditConfiguration(standards: ["\(fixtures)/batch-standard.yaml"], asOf: Day(iso: "2026-06-30")!,
                                       output: FileManager.default.temporaryDirectory.appendingPathComponent("fairrecruit-progress-\(UUID().uuidString)").path)
        audit.fees = ["\(fixtures)/fees.csv"]
        _ = try AuditPipeline(layout: ProjectLayout(root: ".")).batch(BatchConfiguration(audit: audit, jobs: 1), progress: meter)
        let text = lines.withLock { $0 }.joined()
        #expect(text.hasPrefix("read 8 rows from 1 file(s) in "))
        #expect(text.contains("audited 4/4 agencies, 6/6 records ("))
        #expect(text.hasSuffix("\n"))
    }
}
