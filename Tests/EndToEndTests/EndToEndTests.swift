import Foundation
import Testing

/// Runs the built `fairrecruit` binary from the package root, as a user would.
struct Tool {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = "Tests/EndToEndTests/Fixtures"

    static var binary: URL {
        // The test bundle sits beside the products; look there, then in the usual build folder.
        let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
            .map { $0.appendingPathComponent("fairrecruit") } + [root.appendingPathComponent(".build/debug/fairrecruit")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = root
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func temporaryFolder(_ name: String) -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fairrecruit-e2e-\(name)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    static func audit(_ extra: [String], fees: String = "fees.csv", output: String) throws -> Result {
        try run(["audit", "--standard", "\(fixtures)/e2e-standard.yaml", "--fees", "\(fixtures)/\(fees)",
                 "--assessment", "\(fixtures)/answers.csv", "--as-of", "2026-06-30", "--output", output] + extra)
    }

    static func json(_ folder: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent("report.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
}

@Suite struct EndToEndTests {
    @Test func everyCommandsHelpIsPrintedWithExitZero() throws {
        for command in [["--help"], ["audit", "--help"], ["batch", "--help"], ["standards", "list", "--help"], ["history", "--help"]] {
            let result = try Tool.run(command)
            #expect(result.status == 0, "\(command): \(result.stderr)")
            #expect(result.stdout.contains("USAGE:"), "\(command)")
            #expect(!result.stderr.contains("internal error"), "\(command)")
        }
    }

    @Test func theDemoRunsAndWritesEveryReport() throws {
        let out = Tool.temporaryFolder("demo")
        let result = try Tool.run(["demo", "--output", out])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("agency NP-1234-2071: score "))
        for name in ["report.json", "report.md", "report.html", "findings.csv", "actions.csv", "reimbursements.csv", "rejections.csv",
                     "waivers.csv"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + name), "\(name)")
        }
    }

    @Test func aSmallAuditHasTheHandComputedOutcome() throws {
        let out = Tool.temporaryFolder("small")
        let result = try Tool.audit([], output: out)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("warning: 1 row(s) rejected"))
        let report = try Tool.json(out)
        // no-fees not met (weight 5, critical), receipts not met (3), policy partial (1): 0.5 / 9 → 5.6
        #expect(report["score"] as? Double == 5.6)
        #expect(report["rating"] as? String == "E")
        #expect(report["coverage"] as? Double == 1)
        let due = report["reimbursementsDue"] as! [[String: Any]]
        #expect(due.count == 1 && due[0]["currency"] as? String == "NPR" && due[0]["amount"] as? Double == 500)
        let requirements = report["requirements"] as! [[String: Any]]
        #expect(requirements.map { $0["status"] as! String } == ["not_met", "not_met", "partially_met"])
        #expect(requirements.map { $0["claimContradicted"] as! Bool } == [true, false, false])
        let findings = report["findings"] as! [[String: Any]]
        #expect(findings.map { $0["id"] as! String } == ["e2e-zero-fee/no-fees/1", "e2e-zero-fee/no-fees/2", "e2e-zero-fee/receipts/1", "e2e-zero-fee/policy/1"])
        #expect(findings[0]["workersAffected"] as? Int == 1 && findings[0]["workersRemedied"] as? Int == 1 && findings[0]["workersAssessed"] as? Int == 3)
        let actions = report["actions"] as! [[String: Any]]
        #expect(actions.map { $0["id"] as! String } == ["e2e-zero-fee/no-fees", "e2e-zero-fee/no-fees#claim", "e2e-zero-fee/receipts", "e2e-zero-fee/policy"])
        #expect(actions.map { $0["scoreGain"] as! Double } == [55.5, 0, 33.3, 5.5])
        #expect(actions.map { $0["dueDate"] as! String } == ["2026-07-30", "2026-07-30", "2026-09-28", "2026-12-27"])
        let reimbursement = (actions[0]["reimbursements"] as! [[String: Any]])[0]
        #expect(reimbursement["workerId"] as? String == "W1" && reimbursement["amount"] as? Double == 500 && reimbursement["payer"] as? String == "both")
        #expect((reimbursement["records"] as! [[String: Any]])[0]["recordId"] as? String == "R1")
        let inputs = report["inputs"] as! [[String: Any]]
        #expect(inputs[0]["rowsRead"] as? Int == 4 && inputs[0]["rowsAccepted"] as? Int == 3 && inputs[0]["rowsRejected"] as? Int == 1)
        #expect((inputs[0]["rejections"] as! [[String: Any]])[0]["line"] as? Int == 5)
        let fees = report["fees"] as! [String: Any]
        #expect(fees["costToWageMean"] as? Double == 0.27 && fees["costToWageMedian"] as? Double == 0.3)   // 0.5, 0.3, 0
    }

    @Test func personalDataInInputsNeverReachesTheReports() throws {
        let out = Tool.temporaryFolder("privacy")
        _ = try Tool.audit(["--format", "json,md,html,csv"], output: out)
        for name in ["report.json", "report.md", "report.html", "findings.csv", "actions.csv", "reimbursements.csv", "rejections.csv",
                     "waivers.csv"] {
            let text = try String(contentsOfFile: out + "/" + name, encoding: .utf8)
            for secret in ["Secret Name", "P9990001", "SECRET-DESCRIPTION", "Another Secret"] {
                #expect(!text.contains(secret), "\(secret) in \(name)")
            }
        }
    }

    @Test func withAsOfTwoRunsAreByteIdentical() throws {
        let first = Tool.temporaryFolder("det1"), second = Tool.temporaryFolder("det2")
        _ = try Tool.audit(["--format", "json,md,html,csv"], output: first)
        // The formats repeated rather than comma-separated: the same reports.
        _ = try Tool.audit(["--format", "json", "--format", "md,html", "--format", "csv"], output: second)
        for name in ["report.json", "report.md", "report.html", "findings.csv", "actions.csv", "reimbursements.csv", "rejections.csv",
                     "waivers.csv"] {
            let one = FileManager.default.contents(atPath: first + "/" + name)
            #expect(one != nil && one == FileManager.default.contents(atPath: second + "/" + name), "\(name)")
        }
    }

    @Test func thresholdsExitOneAndStrictExitsSixtyFive() throws {
        #expect(try Tool.audit(["--fail-on", "critical"], output: Tool.temporaryFolder("t1")).status == 1)
        #expect(try Tool.audit(["--min-score", "5.6"], output: Tool.temporaryFolder("t2")).status == 0)
        #expect(try Tool.audit(["--min-score", "5.7"], output: Tool.temporaryFolder("t3")).status == 1)
        let strict = Tool.temporaryFolder("t4")
        let result = try Tool.audit(["--strict", "--fail-on", "minor"], output: strict)
        #expect(result.status == 65)
        #expect(FileManager.default.fileExists(atPath: strict + "/report.json"))
        // Only an unverified requirement fails: it trips --fail-on only with --include-unverified.
        let unverified = Tool.temporaryFolder("t5")
        #expect(try Tool.audit(["--fail-on", "minor"], fees: "fees-unverified-only.csv", output: unverified).status == 0)
        #expect(try Tool.audit(["--fail-on", "minor", "--include-unverified"], fees: "fees-unverified-only.csv", output: unverified).status == 1)
    }

    @Test func usageErrorsExitSixtyFour() throws {
        #expect(try Tool.run(["audit"]).status == 64)
        let unknown = try Tool.run(["audit", "--standard", "employer-payz", "--fees", "\(Tool.fixtures)/fees.csv"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("unknown standard 'employer-payz'; did you mean 'employer-pays'?"))
        let several = try Tool.audit([], fees: "fees-two-agencies.csv", output: Tool.temporaryFolder("u"))
        #expect(several.status == 64)
        #expect(several.stderr.contains("the inputs name 2 agencies (A-1, B-2)"))
        let chosen = Tool.temporaryFolder("chosen")
        #expect(try Tool.audit(["--agency", "A-1"], fees: "fees-two-agencies.csv", output: chosen).status == 0)
        let inputs = try Tool.json(chosen)["inputs"] as! [[String: Any]]
        #expect(inputs[0]["rowsOtherAgency"] as? Int == 1 && inputs[0]["rowsAccepted"] as? Int == 1)
        // An agency that no row names (a mistyped id): its empty report comes with a warning (2 fee rows, 2 answers).
        let mistyped = try Tool.audit(["--agency", "A-11"], fees: "fees-two-agencies.csv", output: Tool.temporaryFolder("mistyped"))
        #expect(mistyped.status == 0)
        #expect(mistyped.stderr.contains("warning: no row of the inputs names agency 'A-11' (4 row(s) of other agencies counted); the report has nothing of it"))
        // No row at all: the report is for agency 'unknown', also with a warning.
        let empty = Tool.temporaryFolder("header-only")
        let headerOnly = empty + "/fees.csv"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        try "agency_id,worker_id,origin,destination,category,amount,currency,paid_by,paid_on\n".write(toFile: headerOnly, atomically: true, encoding: .utf8)
        let nothing = try Tool.run(["audit", "--standard", "employer-pays", "--fees", headerOnly, "--as-of", "2026-06-30", "--output", empty + "/out"])
        #expect(nothing.status == 0)
        #expect(nothing.stderr.contains("warning: no row of the inputs names an agency; the report is for agency 'unknown' and has nothing in it"))
        // Rows whose agency id is not a valid one name no agency: they are rejected, not a second agency.
        let invalidIDs = Tool.temporaryFolder("invalid-ids")
        #expect(try Tool.audit([], fees: "fees-invalid-agency-id.csv", output: invalidIDs).status == 0)
        let fees = (try Tool.json(invalidIDs)["inputs"] as! [[String: Any]])[0]
        #expect(fees["rowsAccepted"] as? Int == 1 && fees["rowsRejected"] as? Int == 2 && fees["rowsOtherAgency"] as? Int == 0)
        #expect((try Tool.json(invalidIDs)["agency"] as! [String: Any])["id"] as? String == "A-1")
    }

    /// §6: when several exit codes apply, the highest wins, whatever the order of the options;
    /// every problem is reported.
    @Test func whenSeveralFailuresApplyTheHighestCodeWins() throws {
        let output = Tool.temporaryFolder("several")
        let fixtures = Tool.fixtures
        // A malformed fee file (65) and a missing self-assessment (66), either way round.
        let first = try Tool.run(["audit", "--standard", "employer-pays", "--fees", "\(fixtures)/answers.csv",
                                  "--assessment", "\(fixtures)/no-such-file.csv", "--output", output])
        #expect(first.status == 66)
        #expect(first.stderr.contains("\(fixtures)/answers.csv:1:1: error: missing required columns"))
        #expect(first.stderr.contains("\(fixtures)/no-such-file.csv: error: cannot read file"))
        let second = try Tool.run(["audit", "--standard", "employer-pays", "--fees", "\(fixtures)/no-such-file.csv",
                                   "--assessment", "\(fixtures)/fees.csv", "--output", output])
        #expect(second.status == 66)
        // An invalid standard (65) or an unknown one (64) with a missing fee file (66).
        #expect(try Tool.run(["audit", "--standard", "\(fixtures)/invalid-standard.yaml", "--fees", "\(fixtures)/no-such-file.csv",
                              "--output", output]).status == 66)
        #expect(try Tool.run(["audit", "--standard", "employer-payz", "--fees", "\(fixtures)/no-such-file.csv", "--output", output]).status == 66)
        // An unknown standard (64) with a malformed fee file (65).
        let usageAndData = try Tool.run(["audit", "--standard", "employer-payz", "--fees", "\(fixtures)/answers.csv", "--output", output])
        #expect(usageAndData.status == 65)
        #expect(usageAndData.stderr.contains("unknown standard 'employer-payz'"))
        // Missing rates (66) stop the reading of rows, but every other file is still looked for.
        let rates = try Tool.run(["audit", "--standard", "employer-pays", "--rates", "\(fixtures)/no-rates.csv",
                                  "--fees", "\(fixtures)/no-such-file.csv", "--output", output])
        #expect(rates.status == 66)
        #expect(rates.stderr.contains("\(fixtures)/no-rates.csv: error: cannot read file"))
        #expect(rates.stderr.contains("\(fixtures)/no-such-file.csv: error: cannot read file"))
        #expect(!FileManager.default.fileExists(atPath: output + "/report.json"))
    }

    @Test func badDataAndUnreadableFilesHaveTheirOwnCodesAndLocations() throws {
        let invalid = try Tool.run(["audit", "--standard", "\(Tool.fixtures)/invalid-standard.yaml", "--fees", "\(Tool.fixtures)/fees.csv"])
        #expect(invalid.status == 65)
        #expect(invalid.stderr.contains("\(Tool.fixtures)/invalid-standard.yaml:14:15: error: unknown severity 'catastrophic'"))
        let missing = try Tool.audit([], fees: "no-such-file.csv", output: Tool.temporaryFolder("m"))
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("\(Tool.fixtures)/no-such-file.csv: error: cannot read file"))
        let malformed = try Tool.audit([], fees: "answers.csv", output: Tool.temporaryFolder("bad"))
        #expect(malformed.status == 65)
        #expect(malformed.stderr.contains("\(Tool.fixtures)/answers.csv:1:1: error: missing required columns"))
        #expect(!malformed.stderr.contains("Fatal error"))
    }

    /// A bad value in an exchange-rates or registry file is named at its field's column, not the line's first.
    @Test func badFieldsInSmallCSVInputsAreNamedAtTheirColumn() throws {
        let folder = Tool.temporaryFolder("field-columns")
        let rates = folder + "/rates.csv"
        try Data(("source,currency,units_per_usd,as_of\n\"Nepal Rāṣṭra Bank, Kathmandu\",NPR,0,2024-01-01\n").utf8)
            .write(to: URL(fileURLWithPath: rates))
        let badRate = try Tool.audit(["--rates", rates], output: folder + "/out-rates")
        #expect(badRate.status == 65)
        #expect(badRate.stderr.contains("\(rates):2:36: error: units_per_usd '0' must be a number above 0"), "\(badRate.stderr)")
        let registry = folder + "/registry.csv"
        try Data([0xEF, 0xBB, 0xBF] + Array("agency_id,name,country,licence_status,licence_expires,\"Country\"\n".utf8))
            .write(to: URL(fileURLWithPath: registry))
        let badRegistry = try Tool.audit(["--registry", registry], output: folder + "/out-registry")
        #expect(badRegistry.status == 65)
        #expect(badRegistry.stderr.contains("\(registry):1:55: error: column 'country' appears twice in the header (fields 3 and 6)"),
                "\(badRegistry.stderr)")
    }

    @Test func unwritableOutputsExitSixtySixNamingThePath() throws {
        // Tests may run as root, who may write anywhere: a file stands where a folder must be.
        let folder = Tool.temporaryFolder("unwritable")
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/file"))
        let noFolder = try Tool.audit([], output: folder + "/file/out")
        #expect(noFolder.status == 66)
        #expect(noFolder.stderr.contains("\(folder)/file/out: error: cannot create the output folder"))
        try FileManager.default.createDirectory(atPath: folder + "/out/report.json", withIntermediateDirectories: true)
        let noFile = try Tool.audit([], output: folder + "/out")
        #expect(noFile.status == 66)
        #expect(noFile.stderr.contains("\(folder)/out/report.json: error: cannot write the report"))
        // report.md is written all the same; no temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/out").sorted() == ["report.json", "report.md"])
    }

    /// A binary moved out of its checkout, run where there is no library and without
    /// FAIRRECRUIT_HOME, says so instead of naming the first file it looked for.
    @Test func withoutALibraryTheMessageSaysWhatIsMissing() throws {
        let folder = Tool.temporaryFolder("no-library")
        let moved = URL(fileURLWithPath: folder).appendingPathComponent("fairrecruit")
        try FileManager.default.copyItem(at: Tool.binary, to: moved)
        for arguments in [["standards", "list"], ["demo"], ["audit", "--standard", "employer-pays", "--fees", "fees.csv"]] {
            let process = Process()
            process.executableURL = moved
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: folder)
            process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "FAIRRECRUIT_HOME" }
            let err = Pipe()
            process.standardError = err
            process.standardOutput = Pipe()
            try process.run()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 66, "\(arguments)")
            #expect(stderr.contains("error: no FairRecruit library (Standards/, Templates/) in the current folder or beside the executable"), "\(arguments): \(stderr)")
        }
    }

    @Test func aSecondAuditReplacesTheReportsAndLeavesNothingElse() throws {
        let folder = Tool.temporaryFolder("again")
        #expect(try Tool.audit([], output: folder).status == 0)
        let first = try Tool.json(folder)
        #expect(try Tool.audit([], output: folder).status == 0)
        #expect(NSDictionary(dictionary: try Tool.json(folder)) == NSDictionary(dictionary: first))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["report.json", "report.md"])
    }

    @Test func templatesFolderProblemsHaveTheirOwnCodes() throws {
        let missing = try Tool.audit(["--format", "html", "--templates", "no-such-folder"], output: Tool.temporaryFolder("tpl1"))
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("no-such-folder: error: cannot read templates"))
        let empty = Tool.temporaryFolder("tpl-empty")
        let none = try Tool.audit(["--format", "html", "--templates", empty], output: Tool.temporaryFolder("tpl2"))
        #expect(none.status == 64)
        #expect(none.stderr.contains("no report templates (*.mustache) in this folder"))
        let unused = try Tool.audit(["--format", "json", "--templates", empty], output: Tool.temporaryFolder("tpl3"))
        #expect(unused.status == 0 && unused.stderr.contains("warning: --templates has no effect without --format html"))
    }

    @Test func standardsCommandsListShowAndValidate() throws {
        let list = try Tool.run(["standards", "list"])
        #expect(list.status == 0 && list.stdout.contains("np-fvft-2015"))
        let show = try Tool.run(["standards", "show", "np-fvft-2015"])
        #expect(show.status == 0 && show.stdout.contains("at most 10000 NPR per worker"))
        #expect(try Tool.run(["standards", "validate"]).status == 0)
        let invalid = try Tool.run(["standards", "validate", "\(Tool.fixtures)/invalid-standard.yaml"])
        #expect(invalid.status == 65)
        #expect(invalid.stderr.contains("invalid-standard.yaml:14:15: error: unknown severity 'catastrophic'; expected one of critical, major, minor"))
    }
}

@Suite struct XMLInputTests {
    /// The report with what names the input files blanked out, to compare a CSV and an XML audit.
    /// `name` is the agency's name as report.json writes it (only XML gives one).
    func comparable(_ folder: String, file: String = "report.json", name: String = "Himal Overseas Manpower (demo)") throws -> String {
        var text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
        for (from, to) in [("fees.xml", "fees.csv"), ("assessment.xml", "assessment.csv"), ("\"format\": \"xml\"", "\"format\": \"csv\"")] {
            text = text.replacingOccurrences(of: from, with: to)
        }
        return text.replacingOccurrences(of: ",\n    \"name\": \"\(name)\"", with: "")
    }

    @Test func theDemoAsXMLGivesTheSameReportAsCSV() throws {
        var folders: [String] = []
        for format in ["csv", "xml"] {
            let out = Tool.temporaryFolder("demo-\(format)")
            let result = try Tool.run(["audit", "--standard", "employer-pays", "--standard", "np-fvft-2015",
                                       "--fees", "Examples/demo/fees.\(format)", "--assessment", "Examples/demo/assessment.\(format)",
                                       "--as-of", "2026-09-30", "--output", out])
            #expect(result.status == 0, "\(result.stderr)")
            folders.append(out)
        }
        #expect(try comparable(folders[0]) == comparable(folders[1]))
        let xml = try Tool.json(folders[1])
        #expect((xml["agency"] as! [String: Any])["name"] as? String == "Himal Overseas Manpower (demo)")
    }

    @Test func ampersandsInXMLAttributesGiveTheSameReportAsRawInCSV() throws {
        // The same rows on the same lines: `&` raw in CSV; in XML `&amp;`, `&#38;` or `&#x26;`, in
        // attributes of self-closing rows and of rows with child elements, and in child text.
        let folder = Tool.temporaryFolder("ampersands")
        try """
        record_id,agency_id,worker_id,origin,destination,category,amount,currency,paid_by,paid_on,receipt,refunded_amount,refunded_on,monthly_wage,wage_currency,employer,occupation,description
        R&1,A-1,W&1,NP,QA,recruitment_fee,500,NPR,worker,2026-01-10,yes,,,1000,NPR,A & B,cook & cleaner,&#38; is not &
        R2,A-1,W&&2,NP,QA,air_ticket,300,NPR,worker,2026-01-10,no,300,2026-02-01,1000,NPR,&,&,
        R3,A-1,W&3,NP,QA,visa,700,NPR,worker,2026-01-12,yes,,,1000,NPR,C & D & E,&#38;,x & y

        """.write(toFile: folder + "/fees.csv", atomically: true, encoding: .utf8)
        try """
        <feeRecords>
        <fee record_id="R&amp;1" agency_id="A-1" worker_id="W&#38;1" origin="NP" destination="QA" category="recruitment_fee" amount="500" currency="NPR" paid_by="worker" paid_on="2026-01-10" receipt="yes" monthly_wage="1000" wage_currency="NPR" employer="A &#x26; B" occupation="cook &amp; cleaner" description="&amp;#38; is not &amp;"/>
        <fee record_id="R2" agency_id="A-1" worker_id="W&amp;&amp;2" origin="NP" destination="QA" category="air_ticket" amount="300" currency="NPR" paid_by="worker" paid_on="2026-01-10" receipt="no" refunded_amount="300" refunded_on="2026-02-01" monthly_wage="1000" wage_currency="NPR" employer="&amp;" occupation="&amp;"/>
        <fee record_id="R3" agency_id="A-1" worker_id="W&amp;3" origin="NP" destination="QA" category="visa" amount="700" currency="NPR" paid_by="worker" paid_on="2026-01-12" receipt="yes" monthly_wage="1000" wage_currency="NPR" occupation="&amp;#38;"><employer>C &amp; D &#38; E</employer><description>x &amp; y</description></fee>
        </feeRecords>

        """.write(toFile: folder + "/fees.xml", atomically: true, encoding: .utf8)
        try """
        agency_id,question_id,answer,evidence,comment
        A-1,E2E-NO-FEES,yes,a&b.pdf,
        A-1,E2E-POLICY,partial,,Draft & &#38; only

        """.write(toFile: folder + "/assessment.csv", atomically: true, encoding: .utf8)
        try """
        <selfAssessments>
        <selfAssessment agency="A-1" name="Smith &amp; Sons"><answer question="E2E-NO-FEES" value="yes" evidence="a&#x26;b.pdf"/>
        <answer question="E2E-POLICY" value="partial" comment="Draft &amp; &amp;#38; only"/></selfAssessment>
        </selfAssessments>

        """.write(toFile: folder + "/assessment.xml", atomically: true, encoding: .utf8)
        var outputs: [String] = []
        for format in ["csv", "xml"] {
            let out = folder + "/out-" + format
            let result = try Tool.run(["audit", "--standard", "\(Tool.fixtures)/e2e-standard.yaml", "--fees", "\(folder)/fees.\(format)",
                                       "--assessment", "\(folder)/assessment.\(format)", "--as-of", "2026-06-30", "--format", "json,csv", "--output", out])
            #expect(result.status == 0, "\(result.stderr)")
            outputs.append(out)
        }
        let json = try Tool.json(outputs[1])
        #expect((json["agency"] as! [String: Any])["id"] as? String == "A-1")
        #expect((json["agency"] as! [String: Any])["name"] as? String == "Smith & Sons")
        let report = try comparable(outputs[1], name: "Smith \\u0026 Sons")
        let rejections = try String(contentsOfFile: outputs[1] + "/rejections.csv", encoding: .utf8)
        #expect(rejections.split(separator: "\n").count == 1, "\(rejections)")   // the header only
        #expect(try comparable(outputs[0]) == report)
        let reimbursements = try comparable(outputs[1], file: "reimbursements.csv")
        #expect(reimbursements.contains(",W&1,A & B,") && reimbursements.contains(",W&3,C & D & E,"), "\(reimbursements)")
        #expect(try comparable(outputs[0], file: "reimbursements.csv") == reimbursements)
    }

    @Test func anXXEPayloadStopsTheAuditAndLeaksNothing() throws {
        let folder = Tool.temporaryFolder("xxe")
        let secret = folder + "/secret.txt"
        try "SECRET-FROM-DISK".write(toFile: secret, atomically: true, encoding: .utf8)
        let payload = folder + "/fees.xml"
        try """
        <?xml version="1.0"?>
        <!DOCTYPE feeRecords [<!ENTITY x SYSTEM "file://\(secret)">]>
        <feeRecords><fee agency_id="A-1" worker_id="&x;"/></feeRecords>
        """.write(toFile: payload, atomically: true, encoding: .utf8)
        let result = try Tool.run(["audit", "--standard", "employer-pays", "--fees", payload, "--as-of", "2026-06-30", "--output", folder + "/out"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("\(payload):2:"))
        #expect(!(result.stdout + result.stderr).contains("SECRET-FROM-DISK"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/out/report.json"))
    }
}
