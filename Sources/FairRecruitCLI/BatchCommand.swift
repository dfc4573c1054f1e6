import ArgumentParser
import FairRecruitCore
import Foundation

extension FairRecruitCommand {
    struct Batch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Audit every agency in the inputs; write each one's reports and a portfolio.",
            discussion: """
            Reports go to OUTPUT/agencies/<agency_id>/ and the portfolio (portfolio.json, .md, .html, .csv) to OUTPUT. \
            With --registry, registered agencies that sent nothing are listed (submission none, rating NR). \
            Progress goes to stderr when it is a terminal. \
            Exit codes: 0 done; 1 a --fail-on or --min-score threshold was breached by any agency; 64 usage error; \
            65 bad data (invalid standard, malformed input, or a rejected row under --strict); \
            66 a file cannot be read; 70 internal error.
            """)

        @OptionGroup var options: AuditOptions

        @Option(help: "Agencies audited at once (default: the number of cores).")
        var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

        @Option(name: .customLong("employer"), parsing: .upToNextOption,
                help: "Limit the batch to fee records at these workplaces (a hotel chain's properties; repeatable).")
        var employers: [String] = []

        func validate() throws {
            if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
            if employers.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw ValidationError("--employer needs a workplace name")
            }
        }

        func run() throws {
            let layout = ProjectLayout.locate()
            var config = BatchConfiguration(audit: options.configuration(layout), jobs: jobs)
            config.employers = employers.map { $0.trimmingCharacters(in: .whitespaces) }
            try runReportingFailures { () throws(CommandFailure) -> ExitStatus in
                let outcome = try AuditPipeline(layout: layout).batch(config, progress: ProgressMeter.forTerminal())
                printSummary(outcome, output: config.audit.output, history: config.audit.history)
                return outcome.status
            }
        }
    }
}

func printSummary(_ outcome: BatchOutcome, output: String, history: String?) {
    let report = outcome.portfolio
    let p = report.portfolio
    let ratings = p.ratingDistribution.map { "\($0.rating) \($0.agencies)" }.joined(separator: ", ")
    let silent = p.agencies.filter { $0.submission == .none }.count
    print("batch: \(p.agencies.count) agencies (\(p.agencies.count - silent) audited, \(silent) sent nothing): \(ratings)")
    let due = p.reimbursementsDue.isEmpty ? "none"
        : p.reimbursementsDue.map { "\($0.amount.formatted(minimumFractionDigits: 2)) \($0.currency)" }.joined(separator: ", ")
    print("enforcement list: \(p.enforcement.count) agencies with critical findings; reimbursements due: \(due)")
    if outcome.agencyReports > 0 { print("wrote the reports of \(outcome.agencyReports) agencies under \(output.appendingPath("agencies"))/") }
    for path in outcome.written { print("wrote \(path)") }
    if let history, outcome.agencyReports > 0 { print("recorded every agency's audit in the history \(history)") }
    for warning in outcome.warnings { printError("warning: \(warning)") }
}
