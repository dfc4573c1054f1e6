import Foundation
import Testing

/// `fairrecruit batch` and `audit --registry` through the built binary, on the batch fixture
/// (hand-computed outcomes in Tests/FairRecruitReportsTests/BatchTests.swift).
@Suite struct BatchEndToEndTests {
    static let fixtures = "\(Tool.fixtures)/batch"

    static func batch(_ extra: [String], output: String, registry: Bool = true) throws -> Tool.Result {
        try Tool.run(["batch", "--standard", "\(fixtures)/batch-standard.yaml", "--fees", "\(fixtures)/fees.csv",
                      "--assessment", "\(fixtures)/answers.csv", "--as-of", "2026-06-30", "--output", output]
                     + (registry ? ["--registry", "\(fixtures)/registry.csv"] : []) + extra)
    }

    /// Every file under a folder, by relative path.
    static func tree(_ folder: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[path] = FileManager.default.contents(atPath: folder + "/" + path)
            }
        }
        return files
    }

    @Test func aBatchWritesEachAgencysReportsAndThePortfolio() throws {
        let out = Tool.temporaryFolder("batch")
        let result = try Self.batch(["--format", "json,md,html,csv"], output: out)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("batch: 6 agencies (5 audited, 1 sent nothing): A 1, B 0, C 0, D 2, E 2, NR 1"))
        #expect(result.stdout.contains("enforcement list: 4 agencies with critical findings; reimbursements due: 23000.00 NPR"))
        #expect(result.stderr.contains("warning: 2 row(s) rejected"))
        // Not a terminal: no progress on stderr.
        #expect(!result.stderr.contains("audited") && !result.stderr.contains("rows/s"))
        let files = try Self.tree(out)
        for agency in ["AG-1", "AG-2", "AG-3", "AG-4", "AG-6"] {
            for name in ["report.json", "report.md", "report.html", "findings.csv", "actions.csv", "reimbursements.csv", "rejections.csv"] {
                #expect(files["agencies/\(agency)/\(name)"] != nil, "\(agency)/\(name)")
            }
        }
        #expect(!files.keys.contains { $0.hasPrefix("agencies/AG-5") })
        for name in ["portfolio.json", "portfolio.md", "portfolio.html", "portfolio.csv", "portfolio-corridors.csv",
                     "portfolio-employers.csv", "portfolio-requirements.csv", "portfolio-rejections.csv"] {
            #expect(files[name] != nil, "\(name)")
        }
        // Columns that are not part of the contract (a worker's name) never reach an output.
        for (name, data) in files { #expect(!String(decoding: data, as: UTF8.self).contains("Secret Person"), "\(name)") }
        let portfolio = try JSONSerialization.jsonObject(with: files["portfolio.json"]!) as! [String: Any]
        let agencies = portfolio["agencies"] as! [[String: Any]]
        #expect(agencies.map { $0["agency"] as! String } == ["AG-1", "AG-4", "AG-6", "AG-2", "AG-3", "AG-5"])
        #expect(agencies.last?["submission"] as? String == "none" && agencies.last?["rating"] as? String == "NR")
        let corridors = portfolio["corridors"] as! [[String: Any]]
        #expect(corridors.map { $0["costToWageMean"] as? Double } == [0.23, 2])
        #expect(corridors.map { $0["costToWageMedian"] as? Double } == [0.2, 2])
    }

    /// Reports are written on a thread of their own while later agencies are audited: a report
    /// that cannot be written still stops the batch with 66 and its path, after every other
    /// report is on disk, with no portfolio and no temporary file left.
    @Test func anAgencysReportThatCannotBeWrittenExitsSixtySixNamingIt() throws {
        let out = Tool.temporaryFolder("batch-unwritable")
        // Tests may run as root, who may write anywhere: a folder stands where the report must be.
        try FileManager.default.createDirectory(atPath: out + "/agencies/AG-3/report.json", withIntermediateDirectories: true)
        let result = try Self.batch([], output: out)
        #expect(result.status == 66)
        #expect(result.stderr.contains("\(out)/agencies/AG-3/report.json: error: cannot write the report"))
        let files = try Self.tree(out)
        #expect(files.keys.filter { !$0.hasPrefix("agencies/AG-3/") }.sorted() == ["AG-1", "AG-2", "AG-4", "AG-6"].flatMap {
            ["agencies/\($0)/report.json", "agencies/\($0)/report.md"]
        })
        #expect(files.keys.filter { $0.hasPrefix("agencies/AG-3/") } == ["agencies/AG-3/report.md"])
    }

    @Test func theSameInputsGiveByteIdenticalFilesWhateverTheJobs() throws {
        let one = Tool.temporaryFolder("jobs1"), four = Tool.temporaryFolder("jobs4")
        #expect(try Self.batch(["--format", "json,md,html,csv", "--jobs", "1"], output: one).status == 0)
        #expect(try Self.batch(["--format", "json,md,html,csv", "--jobs", "4"], output: four).status == 0)
        let first = try Self.tree(one), second = try Self.tree(four)
        #expect(first.count == 5 * 8 + 8)   // per agency: 3 reports + 5 CSV files; the portfolio: 8 files
        #expect(first.keys.sorted() == second.keys.sorted())
        for (name, data) in first { #expect(second[name] == data, "\(name) differs between --jobs 1 and --jobs 4") }
    }

    @Test func thresholdsAndStrictGiveTheirExitCodes() throws {
        // AG-2, AG-3, AG-4 and AG-6 have critical findings.
        let failOn = try Self.batch(["--fail-on", "critical"], output: Tool.temporaryFolder("b-fail"))
        #expect(failOn.status == 1)
        #expect(failOn.stderr.contains("warning: AG-3: threshold breached: a not-met finding of severity critical or worse"))
        // AG-5 sent nothing: it has no score, so any --min-score is breached ...
        let silent = try Self.batch(["--min-score", "0"], output: Tool.temporaryFolder("b-min"))
        #expect(silent.status == 1 && silent.stderr.contains("1 registered agency sent nothing and has no score"))
        // ... while without the registry every agency audited has one.
        #expect(try Self.batch(["--min-score", "0"], output: Tool.temporaryFolder("b-min0"), registry: false).status == 0)
        #expect(try Self.batch(["--min-score", "50"], output: Tool.temporaryFolder("b-min50"), registry: false).status == 1)
        let strict = Tool.temporaryFolder("b-strict")
        #expect(try Self.batch(["--strict", "--fail-on", "critical"], output: strict).status == 65)
        #expect(FileManager.default.fileExists(atPath: strict + "/portfolio.json"))
        #expect(FileManager.default.fileExists(atPath: strict + "/agencies/AG-1/report.json"))
    }

    @Test func agencyIdsThatDifferOnlyInCaseAreWarnedOf() throws {
        let folder = Tool.temporaryFolder("b-case")
        let fees = folder + "-fees.csv"
        try """
        agency_id,worker_id,origin,destination,category,amount,currency,paid_by,paid_on
        AG-1,W1,NP,MY,medical,1000,NPR,worker,2026-03-01
        ag-1,W2,NP,MY,medical,1000,NPR,worker,2026-03-01

        """.write(toFile: fees, atomically: true, encoding: .utf8)
        let result = try Tool.run(["batch", "--standard", "\(Self.fixtures)/batch-standard.yaml", "--fees", fees, "--output", folder])
        #expect(result.stderr.contains("warning: agencies AG-1, ag-1 differ only in case: where the file system ignores case (macOS, Windows), their report folders are one and the same"))
    }

    @Test func usageAndDataErrorsGiveTheirExitCodes() throws {
        #expect(try Tool.run(["batch", "--fees", "\(Self.fixtures)/fees.csv"]).status == 64)
        let jobs = try Self.batch(["--jobs", "0"], output: Tool.temporaryFolder("b-jobs"))
        #expect(jobs.status == 64 && jobs.stderr.contains("--jobs must be at least 1"))
        #expect(try Self.batch(["--agency", "AG-1"], output: Tool.temporaryFolder("b-agency")).status == 64)
        // The same file twice (here by another path) would count its payments twice.
        let twice = try Tool.run(["batch", "--standard", "\(Self.fixtures)/batch-standard.yaml",
                                  "--fees", "\(Self.fixtures)/fees.csv", "\(Self.fixtures)/../batch/fees.csv", "--output", Tool.temporaryFolder("b-twice")])
        #expect(twice.status == 64 && twice.stderr.contains("fees.csv is given twice with --fees: its rows would be counted twice"))
        let badRegistry = try Tool.run(["batch", "--standard", "\(Self.fixtures)/batch-standard.yaml", "--fees", "\(Self.fixtures)/fees.csv",
                                        "--registry", "\(Self.fixtures)/answers.csv", "--output", Tool.temporaryFolder("b-reg")])
        #expect(badRegistry.status == 65)
        #expect(badRegistry.stderr.contains("\(Self.fixtures)/answers.csv:1:1: error: missing required columns 'name', 'country', 'licence_status', 'licence_expires'"))
        let missing = try Tool.run(["batch", "--standard", "\(Self.fixtures)/batch-standard.yaml", "--fees", "\(Self.fixtures)/fees.csv",
                                    "--registry", "no-such-registry.csv", "--output", Tool.temporaryFolder("b-missing")])
        #expect(missing.status == 66 && missing.stderr.contains("no-such-registry.csv: error: cannot read file"))
    }

    @Test func aBatchWithAHistoryRecordsEveryAgencyAndComparesWithItsLastAudit() throws {
        let folder = Tool.temporaryFolder("batch-history")
        let history = folder + "/audits.sqlite"
        for date in ["2026-06-30", "2026-09-30"] {
            let result = try Tool.run(["batch", "--standard", "\(Self.fixtures)/batch-standard.yaml", "--fees", "\(Self.fixtures)/fees.csv",
                                       "--assessment", "\(Self.fixtures)/answers.csv", "--as-of", date, "--jobs", "4",
                                       "--history", history, "--output", folder + "/" + date])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("recorded every agency's audit in the history \(history)"))
        }
        let list = try Tool.run(["history", "list", "--history", history])
        // Without the registry the licence is not assessed: AG-2 scores 2 halves / 6 → 16.7.
        #expect(list.stdout.contains("AG-2    2       2026-09-30  16.7   E       2026-06-30 16.7 E → 2026-09-30 16.7 E"), "\(list.stdout)")
        #expect(list.stdout.split(separator: "\n").count == 6)   // a header and the five agencies
        let report = try Tool.json(folder + "/2026-09-30/agencies/AG-2")
        #expect((report["previous"] as? [String: Any])?["asOf"] as? String == "2026-06-30")
        #expect((report["findings"] as! [[String: Any]]).first?["change"] as? String == "unchanged")
    }

    @Test func anAuditWithARegistryChecksTheLicenceAndNamesTheAgency() throws {
        let out = Tool.temporaryFolder("audit-registry")
        let result = try Tool.run(["audit", "--standard", "\(Self.fixtures)/batch-standard.yaml", "--fees", "\(Self.fixtures)/fees.csv",
                                   "--assessment", "\(Self.fixtures)/answers.csv", "--registry", "\(Self.fixtures)/registry.csv",
                                   "--agency", "AG-3", "--as-of", "2026-06-30", "--output", out])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try Tool.json(out)
        #expect((report["agency"] as! [String: Any])["name"] as? String == "Charlie Recruiting")
        let licence = try #require((report["findings"] as! [[String: Any]]).first { $0["id"] as? String == "batch-std/licence/1" })
        #expect(licence["message"] as? String == "1 of 1 worker(s) paid while licence 'AG-3' was not active: 1 payment(s) after the licence expired on 2026-01-31")
        #expect(licence["severity"] as? String == "critical")
        let registry = try #require((report["inputs"] as! [[String: Any]]).last)
        #expect(registry["file"] as? String == "\(Self.fixtures)/registry.csv")
        #expect(registry["rowsRead"] as? Int == 4 && registry["rowsAccepted"] as? Int == 1 && registry["rowsOtherAgency"] as? Int == 3)
        // Without --registry the same requirement is not assessed and asks for one.
        let without = Tool.temporaryFolder("audit-no-registry")
        _ = try Tool.run(["audit", "--standard", "\(Self.fixtures)/batch-standard.yaml", "--fees", "\(Self.fixtures)/fees.csv",
                          "--agency", "AG-3", "--as-of", "2026-06-30", "--output", without])
        let status = (try Tool.json(without)["requirements"] as! [[String: Any]]).first { $0["id"] as? String == "licence" }?["status"]
        #expect(status as? String == "not_assessed")
    }
}
