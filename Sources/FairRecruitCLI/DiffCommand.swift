import ArgumentParser
import FairRecruitCore
import FairRecruitHistory
import FairRecruitReports

extension FairRecruitCommand {
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two report.json files of one agency: each finding new, fixed, regressed or unchanged.",
            discussion: """
            Findings are matched by fingerprint (standard, requirement, agency, worker), as 'audit --baseline OLD.json' \
            does. A finding is regressed when a worker (or the agency) it names failed before OLD, was fixed in OLD, and \
            fails again. Exit codes: 0 done; 64 the reports are of different agencies; 65 not a FairRecruit report; \
            66 a file cannot be read.
            """)
        @Argument(help: "The earlier report.json.") var old: String
        @Argument(help: "The later report.json.") var new: String
        @Option(help: "md or json (default md).") var format: String = "md"
        @Option(help: "File to write (default: standard output).") var output: String?

        func validate() throws {
            if !["md", "json"].contains(format) { throw ValidationError("--format is md or json") }
        }

        func run() throws {
            try runReportingFailures { () throws(CommandFailure) -> ExitStatus in
                let before: AuditSnapshot, after: AuditSnapshot
                do throws(HistoryError) {
                    before = try ReportReader.snapshot(file: old)
                    after = try ReportReader.snapshot(file: new)
                } catch { throw AuditPipeline.failure(error) }
                if before.agencyID != after.agencyID {
                    throw CommandFailure(.usage, "error: \(old) is an audit of '\(before.agencyID)' and \(new) of '\(after.agencyID)'")
                }
                let diff = ReportDiff(old: before, new: after, oldFile: old, newFile: new)
                try emit(format == "json" ? diff.json() : diff.markdown(), to: output)
                return .ok
            }
        }
    }
}
