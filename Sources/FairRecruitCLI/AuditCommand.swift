import ArgumentParser
import FairRecruitCore
import Foundation

/// The options `audit` and `batch` share: what to audit against, the inputs, the reports and the thresholds.
struct AuditOptions: ParsableArguments {
    @Option(name: .customLong("standard"), parsing: .upToNextOption,
            help: "Library id or path of a standard (repeatable).")
    var standard: [String] = []

    @Option(name: .customLong("standards"), help: "A folder of extra standards to add to the library (repeatable).")
    var standardsDirectories: [String] = []

    @Option(name: .customLong("fees"), parsing: .upToNextOption, help: "Fee-record file(s), CSV or XML.")
    var fees: [String] = []

    @Option(name: .customLong("assessment"), parsing: .upToNextOption, help: "Self-assessment file(s), CSV or XML.")
    var assessment: [String] = []

    @Option(help: "A licence registry (CSV: agency_id, name, country, licence_status, licence_expires[, licence_issued, status_since]) for registry checks.")
    var registry: String?

    @Option(help: "Exchange rates (CSV) replacing Standards/exchange-rates.csv.")
    var rates: String?

    @Option(name: .customLong("as-of"), help: "The audit date, YYYY-MM-DD (default: today, UTC).")
    var asOf: Day?

    @Option(help: "Report formats, comma-separated or repeated: json, md, html, csv (default json,md).")
    var format: [String] = []

    @Option(help: "Output folder (default Reports/).")
    var output: String?

    @Option(help: "A folder of report templates (*.mustache) replacing the shipped ones of the same name (see Templates/README.md).")
    var templates: String?

    @Option(name: .customLong("fail-on"), help: "Exit 1 on a not-met finding of this severity or worse: critical, major or minor.")
    var failOn: Severity?

    @Option(name: .customLong("min-score"), help: "Exit 1 when the score is below this (or there is none).")
    var minScore: ExactDecimal?

    @Flag(name: .customLong("include-unverified"), help: "Let requirements marked verified: false trigger --fail-on.")
    var includeUnverified = false

    @Flag(help: "Exit 65 when any input row is rejected (reports are still written).")
    var strict = false

    @Option(help: "Audit history (SQLite file, created if missing): compare with the agency's previous audit and record this one.")
    var history: String?

    @Option(help: "Waivers file (YAML): accepted exceptions, scored with and without.")
    var waivers: String?

    @Flag(name: .customLong("allow-critical-waivers"), help: "Let waivers apply to critical requirements.")
    var allowCriticalWaivers = false

    func validate() throws {
        if standard.isEmpty { throw ValidationError("give at least one --standard (see 'fairrecruit standards list')") }
        if fees.isEmpty && assessment.isEmpty { throw ValidationError("give at least one of --fees and --assessment") }
        if allowCriticalWaivers && waivers == nil { throw ValidationError("--allow-critical-waivers needs --waivers") }
        for (files, option) in [(fees, "--fees"), (assessment, "--assessment")] {
            // Read twice, a file's payments would be owed twice (rows without a record_id are not
            // caught as duplicates).
            var seen = Set<String>()
            for file in files where !seen.insert(URL(fileURLWithPath: file).standardizedFileURL.resolvingSymlinksInPath().path).inserted {
                throw ValidationError("\(file) is given twice with \(option): its rows would be counted twice")
            }
        }
        _ = try Self.formats(format.isEmpty ? "json,md" : format.joined(separator: ","))
        if let minScore, minScore.isNegative || ExactDecimal(100) < minScore {
            throw ValidationError("--min-score must be between 0 and 100")
        }
    }

    static func formats(_ text: String) throws -> [AuditConfiguration.Format] {
        var formats: [AuditConfiguration.Format] = []
        for name in text.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) {
            guard let format = AuditConfiguration.Format(rawValue: name.lowercased()) else {
                throw ValidationError("unknown format '\(name)'; expected json, md, html or csv")
            }
            if !formats.contains(format) { formats.append(format) }
        }
        if formats.isEmpty { throw ValidationError("--format needs at least one format") }
        return formats
    }

    /// The configuration these options describe.
    func configuration(_ layout: ProjectLayout) -> AuditConfiguration {
        var config = AuditConfiguration(standards: standard, asOf: asOf ?? today(), output: output ?? layout.reports)
        config.standardDirectories = standardsDirectories
        config.fees = fees
        config.assessments = assessment
        config.registry = registry
        config.rates = rates
        config.templates = templates
        config.formats = (try? Self.formats(format.joined(separator: ","))) ?? [.json, .md]
        config.failOn = failOn
        config.minScore = minScore
        config.includeUnverified = includeUnverified
        config.strict = strict
        config.history = history
        config.waivers = waivers
        config.allowCriticalWaivers = allowCriticalWaivers
        return config
    }
}

extension FairRecruitCommand {
    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Audit one agency's fee records and self-assessment against standards.",
            discussion: """
            Exit codes: 0 done; 1 a --fail-on or --min-score threshold was breached; 64 usage error; \
            65 bad data (invalid standard, malformed input, or a rejected row under --strict); \
            66 a file cannot be read; 70 internal error.
            """)

        @OptionGroup var options: AuditOptions

        @Option(help: "The agency to audit when the inputs name several.")
        var agency: String?

        @Option(help: "An earlier report.json of the same agency to compare with.")
        var baseline: String?

        func run() throws {
            let layout = ProjectLayout.locate()
            var config = options.configuration(layout)
            config.agency = agency
            config.baseline = baseline
            try runReportingFailures { () throws(CommandFailure) -> ExitStatus in
                let outcome = try AuditPipeline(layout: layout).run(config)
                printSummary(outcome)
                endProcess(outcome.status, leaving: outcome)
            }
        }
    }
}

func printSummary(_ outcome: AuditOutcome) {
    let r = outcome.report.result
    let overall = r.overall
    let due = r.reimbursementsDue.isEmpty ? "none"
        : r.reimbursementsDue.map { "\($0.amount.formatted(minimumFractionDigits: 2)) \($0.currency)" }.joined(separator: ", ")
    print("agency \(r.agencyID): score \(overall.score?.description ?? "none"), rating \(overall.rating), coverage \(overall.coverage?.description ?? "none")")
    print("\(r.findings.count) finding(s), \(r.actions.count) action(s); reimbursements due: \(due)")
    if let progress = r.progress {
        let counts = (r.findings + progress.fixedFindings).changeTally
        let previous = progress.previous.map { "since \($0.asOf) (score \($0.score?.description ?? "none"), rating \($0.rating))" } ?? "no earlier audit"
        print("\(previous): \(counts[.new] ?? 0) new, \(counts[.regressed] ?? 0) regressed, \(counts[.unchanged] ?? 0) unchanged, \(counts[.fixed] ?? 0) fixed; \(r.actions.filter(\.overdue).count) action(s) overdue")
        let without = r.overallWithoutWaivers
        if !progress.waivers.isEmpty { print("without waivers: score \(without.score?.description ?? "none"), rating \(without.rating)") }
    }
    for path in outcome.written { print("wrote \(path)") }
    if let history = outcome.recorded { print("recorded in the history \(history)") }
    for warning in outcome.warnings { printError("warning: \(warning)") }
}
