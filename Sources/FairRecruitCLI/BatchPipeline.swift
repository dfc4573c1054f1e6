import Dispatch
import FairRecruitCore
import FairRecruitIngest
import FairRecruitReports
import Foundation
import Synchronization

/// Everything `fairrecruit batch` was asked to do: an audit's configuration for many agencies.
public struct BatchConfiguration: Sendable {
    public var audit: AuditConfiguration
    /// Agencies audited at once (`--jobs`).
    public var jobs: Int
    /// `--employer`: limit the batch to these workplaces; empty for all.
    public var employers: [String] = []

    public init(audit: AuditConfiguration, jobs: Int) { self.audit = audit; self.jobs = jobs }
}

/// What a batch produced, for the command to print.
public struct BatchOutcome: Sendable {
    public var portfolio: PortfolioReport
    /// The portfolio files written.
    public var written: [String]
    /// Agencies whose reports were written under `agencies/`.
    public var agencyReports: Int
    public var status: ExitStatus
    public var warnings: [String]
}

extension AuditPipeline {
    /// Audits every agency in the inputs (`--jobs` at a time), writes each one's reports under
    /// `agencies/<agency_id>/` and the portfolio beside them, and decides the exit status (§6).
    /// The same inputs give byte-identical files whatever the number of jobs: agencies are audited
    /// independently and the portfolio is built in agency order.
    public func batch(_ batch: BatchConfiguration, progress: ProgressMeter? = nil) throws(CommandFailure) -> BatchOutcome {
        let config = batch.audit
        guard !config.fees.isEmpty || !config.assessments.isEmpty else {
            throw CommandFailure(.usage, "error: give at least one of --fees and --assessment")
        }
        let employers = batch.employers.isEmpty ? nil : Set(batch.employers)
        let loaded = try load(config, employers: employers, portfolio: true, progress: progress)
        let agencies = loaded.submittingAgencies
        progress?.loaded(files: loaded.files, agencies: agencies.count, records: loaded.fees.count)

        let writer = ReportWriter()
        let audited = Result { () throws(CommandFailure) in
            try Self.concurrently(agencies, jobs: batch.jobs) { agency throws(CommandFailure) -> AgencyOutcome in
                let report: AuditReport
                if let history = config.history {
                    report = try Self.recording(in: history, agency: agency, asOf: config.asOf) { memory in
                        let report = loaded.report(for: agency, memory: memory, batch: true)
                        return (report.result, JSONReporter().render(report), report)
                    }
                } else {
                    report = loaded.report(for: agency, memory: config.waivers != nil ? AuditMemory() : nil, batch: true)
                }
                let written = try write(report, reporters: loaded.reporters, to: config.output.appendingPath("agencies").appendingPath(agency), writer: writer)
                let (status, breaches) = Self.thresholds(report.result, config)
                let summary = AgencySummary(report.result, name: report.agencyName, submission: loaded.submission(of: agency),
                                            licence: loaded.registry?.lookup(agency) ?? .noRegistry, includeUnverified: config.includeUnverified)
                progress?.audited(records: report.result.fees.records)
                return AgencyOutcome(summary: summary, status: status, warnings: Self.waiverWarnings(report.result) + breaches,
                                     files: written.map { ($0 as NSString).lastPathComponent })
            }
        }
        // Every queued report is on disk before anything fails or goes on.
        let reportsWritten = Result { () throws(CommandFailure) in try writer.finish() }
        let outcomes = try audited.get()
        try reportsWritten.get()
        progress?.finish()

        let submitted = Set(agencies)
        let silent = (loaded.registry?.agencies ?? []).filter { !submitted.contains($0) }.map { agency in
            AgencySummary(notSubmitted: agency, name: loaded.registry?.entries[agency]?.name, licence: loaded.registry?.lookup(agency) ?? .noRegistry)
        }
        let files = loaded.files
        let report = PortfolioReport(
            portfolio: Portfolio(outcomes.map(\.summary) + silent, standards: loaded.standards), asOf: config.asOf,
            toolVersion: Self.toolVersion, standards: loaded.standards, employerFilter: employers.map { $0.sorted() },
            registry: loaded.registry.map { (file: $0.file.file, agencies: $0.entries.count) },
            inputs: files.map { loaded.whole($0, for: "") },
            rejections: files.flatMap { file in file.rejections.map { (file: file.file, line: $0.location.line, agency: $0.agencyID, reason: $0.reason) } },
            agencyFiles: outcomes.first?.files ?? [])
        let written = try writePortfolio(report, formats: config.formats, templates: loaded.templates, to: config.output)

        var status = outcomes.map(\.status).max() ?? .ok
        var warnings: [String] = []
        for outcome in outcomes where !outcome.warnings.isEmpty {
            warnings += outcome.warnings.map { "\(outcome.summary.agencyID): \($0)" }
        }
        if let minimum = config.minScore, !silent.isEmpty {
            status = max(status, .thresholdBreached)
            warnings.append("threshold breached: \(silent.count) registered agenc\(silent.count == 1 ? "y" : "ies") sent nothing and ha\(silent.count == 1 ? "s" : "ve") no score (--min-score \(minimum))")
        }
        if config.templates != nil && !config.formats.contains(.html) {
            warnings.append("--templates has no effect without --format html")
        }
        // Report folders are named by agency id: ids that differ only in case would share one
        // where the file system ignores case (macOS and Windows by default).
        for ids in Dictionary(grouping: agencies, by: { $0.lowercased() }).values.filter({ $0.count > 1 }).map({ $0.sorted() }).sorted(by: { $0[0] < $1[0] }) {
            warnings.append("agencies \(ids.joined(separator: ", ")) differ only in case: where the file system ignores case (macOS, Windows), their report folders are one and the same")
        }
        let rejected = files.reduce(0) { $0 + $1.rejections.count }
        if rejected > 0 {
            let listing = config.formats.contains(.csv) ? "portfolio-rejections.csv" : "the portfolio's inputs section"
            warnings.append("\(rejected) row(s) rejected; see each agency's report and \(listing)")
            if config.strict { status = max(status, .badData) }
        }
        return BatchOutcome(portfolio: report, written: written, agencyReports: outcomes.count, status: status, warnings: warnings)
    }

    /// One agency's part of a batch, kept once its reports are written.
    struct AgencyOutcome: Sendable {
        var summary: AgencySummary
        var status: ExitStatus
        var warnings: [String]
        /// The file names written in its folder.
        var files: [String]
    }

    /// Runs `body` for every item, `jobs` at a time, and returns the results in the items' order.
    /// The first failure (in item order) is thrown once the running items finish; no new item starts after one.
    static func concurrently<T: Sendable>(_ items: [String], jobs: Int,
                                          _ body: @Sendable (String) throws(CommandFailure) -> T) throws(CommandFailure) -> [T] {
        let state = Mutex(ConcurrentRun<T>(results: Array(repeating: nil, count: items.count)))
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, items.count))) { _ in
            while true {
                let taken: Int? = state.withLock { s in
                    guard !s.failed, s.next < items.count else { return nil }
                    s.next += 1
                    return s.next - 1
                }
                guard let index = taken else { return }
                let result: Result<T, CommandFailure>
                do throws(CommandFailure) { result = .success(try body(items[index])) } catch { result = .failure(error) }
                state.withLock { s in
                    s.results[index] = result
                    if case .failure = result { s.failed = true }
                }
            }
        }
        return try state.withLock { s throws(CommandFailure) -> [T] in
            var values: [T] = []
            for result in s.results {
                switch result {
                case .success(let value): values.append(value)
                case .failure(let error): throw error
                case nil: continue   // not started after a failure, which is thrown above
                }
            }
            return values
        }
    }

    /// The portfolio in every format asked for, in `folder`.
    func writePortfolio(_ report: PortfolioReport, formats: [AuditConfiguration.Format], templates: ReportTemplates?,
                        to folder: String) throws(CommandFailure) -> [String] {
        let reporters: [any PortfolioReporter] = formats.map { format -> any PortfolioReporter in
            switch format {
            case .json: PortfolioJSONReporter()
            case .md: PortfolioMarkdownReporter()
            case .csv: PortfolioCSVReporter()
            case .html: PortfolioHTMLReporter(templates: templates!)
            }
        }
        var written: [String] = []
        for file in reporters.flatMap({ $0.files(for: report) }) {
            written.append(try write(file, to: folder))
        }
        return written
    }
}

/// The shared state of ``AuditPipeline/concurrently(_:jobs:_:)``: the next item to take, whether one
/// failed, and the results in item order.
private struct ConcurrentRun<T: Sendable>: Sendable {
    var next = 0
    var failed = false
    var results: [Result<T, CommandFailure>?]
}

extension LoadedInputs {
    /// What an agency sent: fee records, a self-assessment, or both (accepted or rejected rows).
    func submission(of agency: String) -> AgencySummary.Submission {
        func sent(_ files: [InputFileSummary]) -> Bool {
            files.contains { $0.acceptedByAgency[agency] != nil || !rejected(in: $0, by: agency).isEmpty }
        }
        switch (sent(feeFiles), sent(answerFiles)) {
        case (true, true): return .feesAndAssessment
        case (true, false): return .fees
        case (false, true): return .assessment
        case (false, false): return .none
        }
    }
}
