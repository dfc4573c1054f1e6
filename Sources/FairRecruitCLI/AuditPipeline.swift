import FairRecruitCore
import FairRecruitHistory
import FairRecruitIngest
import FairRecruitReports
import FairRecruitStandards
import Foundation
import Synchronization

/// Everything `fairrecruit audit` was asked to do, checked and resolved.
public struct AuditConfiguration: Sendable {
    public enum Format: String, Sendable, CaseIterable { case json, md, html, csv }

    public var standards: [String]
    public var standardDirectories: [String] = []
    public var fees: [String] = []
    public var assessments: [String] = []
    public var agency: String?
    /// A licence registry (CSV) for `registry` checks and, in a batch, the agencies that sent nothing.
    public var registry: String?
    public var rates: String?
    public var asOf: Day
    public var formats: [Format] = [.json, .md]
    public var output: String
    /// A folder of report templates that replace the shipped ones of the same name (`--templates`).
    public var templates: String?
    public var failOn: Severity?
    public var minScore: ExactDecimal?
    public var includeUnverified = false
    public var strict = false
    public var history: String?
    public var baseline: String?
    public var waivers: String?
    public var allowCriticalWaivers = false

    public init(standards: [String], asOf: Day, output: String) {
        self.standards = standards; self.asOf = asOf; self.output = output
    }
}

/// What an audit produced, for the command to print.
public struct AuditOutcome: Sendable {
    public var report: AuditReport
    public var written: [String]
    public var status: ExitStatus
    public var warnings: [String]
    /// The history file the audit was recorded in.
    public var recorded: String? = nil
}

/// Loads standards and inputs, runs the engine, writes the reports, and decides the exit status.
public struct AuditPipeline: Sendable {
    public static let toolVersion = "0.1.0"
    public let layout: ProjectLayout

    public init(layout: ProjectLayout) { self.layout = layout }

    /// Exchange rates from `--rates`, else the library's table.
    public func loadRates(_ path: String?) throws(CommandFailure) -> ExchangeRates {
        try layout.requireLibrary()
        do {
            return try ExchangeRatesReader.read(path ?? layout.standards.appendingPath("exchange-rates.csv"))
        } catch {
            throw Self.failure(error)
        }
    }

    static func failure(_ error: IngestError) -> CommandFailure {
        switch error {
        case .unreadable: CommandFailure(.unreadable, error.description)
        case .malformed: CommandFailure(.badData, error.description)
        }
    }

    /// The library plus any standard files named by path.
    public func loadLibrary(directories: [String], files: [String], rates: ExchangeRates) throws(CommandFailure) -> StandardsLibrary {
        do {
            return try StandardsLibrary.load(tablesDirectory: layout.standards, directories: [layout.standards] + directories,
                                             files: files, currencies: Set(rates.currencies))
        } catch {
            throw CommandFailure(.unreadable, error.description)
        }
    }

    /// A value of `--standard` is a path when it holds `/` or ends in `.yaml`/`.yml`.
    static func isPath(_ value: String) -> Bool { value.contains("/") || value.hasSuffix(".yaml") || value.hasSuffix(".yml") }

    /// Resolves `--standard` values to loaded standards, or fails with a usage or data error.
    static func select(_ values: [String], from library: StandardsLibrary) throws(CommandFailure) -> [Standard] {
        var selected: [Standard] = []
        for value in values {
            let found: Standard?
            if isPath(value) {
                found = library.standards.first { StandardsLibrary.samePath($0.path, value) }
                if found == nil, library.diagnostics(affecting: [value]).isEmpty {
                    throw CommandFailure(.unreadable, "\(value): error: cannot read standard")
                }
            } else {
                found = library.standard(value)
                if found == nil {
                    let ids = library.standards.map(\.id)
                    let hint = closestMatch(to: value, in: ids).map { "; did you mean '\($0)'?" } ?? ""
                    throw CommandFailure(.usage, "error: unknown standard '\(value)'\(hint) (see 'fairrecruit standards list')")
                }
            }
            if let found, !selected.contains(where: { $0.id == found.id }) { selected.append(found) }
        }
        let problems = library.diagnostics(affecting: values.filter(isPath) + selected.map(\.path))
        if !problems.isEmpty { throw CommandFailure(.badData, problems.map(\.description)) }
        return selected
    }

    public func run(_ config: AuditConfiguration) throws(CommandFailure) -> AuditOutcome {
        guard !config.fees.isEmpty || !config.assessments.isEmpty else {
            throw CommandFailure(.usage, "error: give at least one of --fees and --assessment")
        }
        let loaded = try load(config)
        let agency = try Self.agency(config.agency, loaded: loaded)
        var baseline: AuditSnapshot?
        if let path = config.baseline { baseline = try Self.loadBaseline(path, agency: agency, asOf: config.asOf) }
        /// The engine and the report, given what is remembered; a baseline replaces the history's previous audit.
        func audit(_ remembered: AuditMemory?) -> AuditReport {
            var memory = remembered ?? (config.waivers != nil ? AuditMemory() : nil)
            if let baseline {
                let fromBaseline = AuditMemory(baseline: baseline)
                memory = AuditMemory(previous: baseline, everFailing: fromBaseline.everFailing.union(memory?.everFailing ?? []),
                                     states: memory?.states ?? [:])
            }
            return loaded.report(for: agency, memory: memory, batch: false)
        }
        let report: AuditReport
        if let path = config.history {
            report = try Self.recording(in: path, agency: agency, asOf: config.asOf) { memory in
                let report = audit(memory)
                return (report.result, JSONReporter().render(report), report)
            }
        } else {
            report = audit(nil)
        }
        var warnings = Self.waiverWarnings(report.result)
        if !loaded.submittingAgencies.contains(agency) {
            // A mistyped --agency, or inputs without a row, give a report with nothing in it: say so.
            let others = loaded.otherAgencyRows.values.reduce(0, +)
            warnings.append(config.agency == nil ? "no row of the inputs names an agency; the report is for agency '\(agency)' and has nothing in it"
                : "no row of the inputs names agency '\(agency)'" + (others > 0 ? " (\(others) row(s) of other agencies counted)" : "")
                    + "; the report has nothing of it")
        }
        let written = try write(report, reporters: loaded.reporters, to: config.output, concurrently: true)
        if config.templates != nil && !config.formats.contains(.html) {
            warnings.append("--templates has no effect without --format html")
        }
        var (status, breaches) = Self.thresholds(report.result, config)
        warnings += breaches
        let rejected = report.inputs.reduce(0) { $0 + $1.rowsRejected }
        if rejected > 0 {
            warnings.append("\(rejected) row(s) rejected; see the report's inputs section")
            if config.strict { status = max(status, .badData) }
        }
        return AuditOutcome(report: report, written: written, status: status, warnings: warnings, recorded: config.history)
    }

    /// Reads and validates everything an audit needs, once, whatever the number of agencies:
    /// templates first (so a broken one fails fast), then rates, standards, waivers and the inputs.
    /// Each is tried even after another failed, so that the exit status is the highest that
    /// applies (§6): a file that cannot be read (66) outranks a malformed one (65), which outranks
    /// a usage error (64). Every failure's messages are given.
    /// - Parameter employers: `batch --employer`: keep only fee records at these workplaces.
    /// - Parameter portfolio: also require the portfolio page's templates (a batch with HTML).
    /// - Parameter progress: told how the reading of large fee-record files goes.
    func load(_ config: AuditConfiguration, employers: Set<String>? = nil, portfolio: Bool = false,
              progress: ProgressMeter? = nil) throws(CommandFailure) -> LoadedInputs {
        var failures = LoadFailures()
        let templates = config.formats.contains(.html) ? failures.attempt { () throws(CommandFailure) in
            try loadTemplates(config.templates, required: [ReportTemplates.report] + (portfolio ? ReportTemplates.portfolioPages : []))
        } : nil
        let rates = failures.attempt { () throws(CommandFailure) in try loadRates(config.rates) }
        let library = rates.flatMap { rates in failures.attempt { () throws(CommandFailure) in
            try loadLibrary(directories: config.standardDirectories, files: config.standards.filter(Self.isPath), rates: rates)
        } }
        let standards = library.flatMap { library in failures.attempt { () throws(CommandFailure) in try Self.select(config.standards, from: library) } }
        let waivers = library.flatMap { library in failures.attempt { () throws(CommandFailure) in
            try config.waivers.map { path throws(CommandFailure) in
                try Self.loadWaivers(path, library: library, allowCritical: config.allowCriticalWaivers)
            } ?? []
        } }
        guard let rates, let library else {
            // Without the rates or the library's tables no row can be checked; whether each file
            // can be read still decides between 66 and a lower status.
            let named = config.fees + config.assessments + [config.registry, config.waivers, config.baseline].compactMap { $0 }
                + (library == nil ? config.standards.filter(Self.isPath) : [])
            for path in named { failures.attemptReading { () throws(IngestError) in try InputFiles.requireReadable(path) } }
            throw failures.combined!
        }

        let ledger = FeeLedger(asOf: config.asOf, categories: library.tables.categories, occupations: library.tables.occupations,
                               rates: rates, agencyFilter: config.agency, employerFilter: employers)
        ledger.progress = progress?.reading
        let answers = AnswerBook(questions: library.questions, agencyFilter: config.agency)
        for file in config.fees { failures.attemptReading { () throws(IngestError) in try ledger.read(file) } }
        for file in config.assessments { failures.attemptReading { () throws(IngestError) in try answers.read(file) } }
        let registry = config.registry.flatMap { path in failures.attemptReading { () throws(IngestError) in try LicenceRegistry.read(path) } }
        if let baseline = config.baseline, failures.combined != nil {   // read later, once the agency is known
            failures.attemptReading { () throws(IngestError) in try InputFiles.requireReadable(baseline) }
        }
        if let failure = failures.combined { throw failure }
        ledger.finish()
        return LoadedInputs(
            config: config, standards: standards!, categories: library.tables.categories, rates: rates, waivers: waivers!,
            fees: ledger.store, answers: answers.answers, agencyNames: answers.agencyNames,
            feeFiles: ledger.files, answerFiles: answers.files,
            otherAgencyRows: ledger.otherAgencyRows.merging(answers.otherAgencyRows, uniquingKeysWith: +),
            otherEmployerRows: employers == nil ? nil : ledger.otherEmployerRows, notes: ledger.notesByAgency, registry: registry,
            reporters: reporters(for: config.formats, templates: templates), templates: templates)
    }

    /// Warnings for the waivers of an audit that were not applied.
    static func waiverWarnings(_ result: AuditResult) -> [String] {
        (result.progress?.waivers ?? []).filter { !$0.applied }.map { outcome in
            let w = outcome.waiver
            return "\(w.location): waiver of \(w.standard)/\(w.requirement) not applied: " + (outcome.status == .expired
                ? "it expired on \(w.expires)" : outcome.status == .notAudited ? "the requirement is not part of this audit"
                : "the requirement was graded critical in this audit; use --allow-critical-waivers")
        }
    }

    /// `--fail-on` and `--min-score` (§6): exit 1 with a warning for each threshold breached.
    static func thresholds(_ result: AuditResult, _ config: AuditConfiguration) -> (ExitStatus, [String]) {
        var status = ExitStatus.ok
        var warnings: [String] = []
        if let failOn = config.failOn, breaches(result, failOn: failOn, includeUnverified: config.includeUnverified) {
            status = .thresholdBreached
            warnings.append("threshold breached: a not-met finding of severity \(failOn.rawValue) or worse")
        }
        if let minimum = config.minScore, belowMinimum(result.overall.score, minimum) {
            status = .thresholdBreached
            warnings.append("threshold breached: score \(result.overall.score?.description ?? "null") is below \(minimum)")
        }
        return (status, warnings)
    }

    /// `--min-score`: a score below the minimum, or no score at all.
    static func belowMinimum(_ score: ExactDecimal?, _ minimum: ExactDecimal) -> Bool { score.map { $0 < minimum } ?? true }

    static func failure(_ error: HistoryError) -> CommandFailure {
        switch error.kind {
        case .usage: CommandFailure(.usage, error.message)
        case .badData: CommandFailure(.badData, error.message)
        case .unreadable: CommandFailure(.unreadable, error.message)
        }
    }

    /// Opens the history, honouring the crash test's stall (see `stallMidWriteVariable`).
    static func openHistory(_ path: String) throws(CommandFailure) -> HistoryStore {
        do {
            var store = try HistoryStore(path: path)
            if ProcessInfo.processInfo.environment[stallMidWriteVariable] == "1" {
                store.midWriteHook = {
                    printError("fairrecruit: stalled mid-write (\(stallMidWriteVariable))")
                    while true { sleep(60) }
                }
            }
            return store
        } catch {
            throw failure(error)
        }
    }

    /// Test hook: set to 1, an audit recorded in the history stops in the middle of its write
    /// transaction until killed, so the end-to-end tests can kill it at exactly that point.
    static let stallMidWriteVariable = "FAIRRECRUIT_TEST_STALL_MID_WRITE"

    /// Runs `audit` inside the history's write transaction (see ``HistoryStore/record``).
    static func recording(in path: String, agency: String, asOf: Day,
                          _ audit: (AuditMemory) throws -> (result: AuditResult, report: String, value: AuditReport)) throws(CommandFailure) -> AuditReport {
        let store = try openHistory(path)
        do {
            return try store.record(agency: agency, asOf: asOf, toolVersion: toolVersion, audit)
        } catch let error as HistoryError {
            throw failure(error)
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure(.internal, "\(path): error: \(error)")
        }
    }

    static func loadWaivers(_ path: String, library: StandardsLibrary, allowCritical: Bool) throws(CommandFailure) -> [Waiver] {
        do {
            let (waivers, problems) = try WaiverLoader.load(path, library: library, allowCritical: allowCritical)
            if !problems.isEmpty { throw CommandFailure(.badData, problems.map(\.description)) }
            return waivers
        } catch let error as UnreadableFile {
            throw CommandFailure(.unreadable, error.description)
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure(.internal, "\(path): error: \(error)")
        }
    }

    /// A report.json of the same agency, from on or before the audit date.
    static func loadBaseline(_ path: String, agency: String, asOf: Day) throws(CommandFailure) -> AuditSnapshot {
        let snapshot: AuditSnapshot
        do { snapshot = try ReportReader.snapshot(file: path) } catch { throw failure(error) }
        if snapshot.agencyID != agency {
            throw CommandFailure(.usage, "\(path): error: the baseline is an audit of agency '\(snapshot.agencyID)', not '\(agency)'")
        }
        if asOf < snapshot.asOf {
            throw CommandFailure(.usage, "\(path): error: the baseline's audit date \(snapshot.asOf) is after this audit's (\(asOf))")
        }
        return snapshot
    }

    /// The agency to audit: `--agency`, or the only one the inputs name.
    static func agency(_ requested: String?, loaded: LoadedInputs) throws(CommandFailure) -> String {
        if let requested { return requested }
        // A row rejected for an invalid agency id names no agency: it is only a rejection.
        let agencies = loaded.submittingAgencies
        if agencies.count > 1 {
            throw CommandFailure(.usage, "error: the inputs name \(agencies.count) agencies (\(agencies.prefix(20).joined(separator: ", "))\(agencies.count > 20 ? ", …" : "")); choose one with --agency, or use 'fairrecruit batch'")
        }
        return agencies.first ?? "unknown"
    }

    /// `--fail-on S`: a not-met finding of graded severity S or worse (§6).
    static func breaches(_ result: AuditResult, failOn: Severity, includeUnverified: Bool) -> Bool {
        result.findings.contains { f in
            f.status == .notMet && f.severity >= failOn && (f.verified || includeUnverified) && !f.waived
        }
    }

    /// The shipped templates, then those of `--templates` (later folders win).
    func loadTemplates(_ folder: String?, required: [String]) throws(CommandFailure) -> ReportTemplates {
        do {
            return try ReportTemplates.load(from: [layout.templates] + (folder.map { [$0] } ?? []), required: required)
        } catch {
            let status: ExitStatus = switch error {
            case .invalid: .badData
            case .empty: .usage
            case .unreadable, .missing: .unreadable
            }
            throw CommandFailure(status, error.description)
        }
    }

    /// One reporter per format, in the order asked for.
    func reporters(for formats: [AuditConfiguration.Format], templates: ReportTemplates?) -> [any Reporter] {
        formats.map { format -> any Reporter in
            switch format {
            case .json: JSONReporter()
            case .md: MarkdownReporter()
            case .csv: CSVReporter()
            case .html: HTMLReporter(templates: templates!)
            }
        }
    }

    /// - Parameter concurrently: each format on a core of its own (a single audit; a batch already
    ///   keeps the cores busy with agencies). Otherwise one reporter's files at a time, so that a
    ///   large agency's reports are not all in memory at once.
    /// - Parameter writer: where a batch queues the files (written while it goes on); without
    ///   one, each file is written before this returns.
    func write(_ report: AuditReport, reporters: [any Reporter], to folder: String, concurrently: Bool = false,
               writer: ReportWriter? = nil) throws(CommandFailure) -> [String] {
        guard concurrently && reporters.count > 1 else {
            var written: [String] = []
            for reporter in reporters {
                for file in reporter.files(for: report) { written.append(try write(file, to: folder, writer: writer)) }
            }
            return written
        }
        // Written in reporter order whatever finishes first; the first failure in that order is reported.
        let results = Mutex([Result<[String], CommandFailure>?](repeating: nil, count: reporters.count))
        DispatchQueue.concurrentPerform(iterations: reporters.count) { index in
            let result = Result { () throws(CommandFailure) in try reporters[index].files(for: report).map { file throws(CommandFailure) in try write(file, to: folder) } }
            results.withLock { $0[index] = result }
        }
        var written: [String] = []
        for result in results.withLock({ $0 }) { written += try result!.get() }
        return written
    }

    /// Writes one report file into `folder`, created when missing (or queues it with `writer`);
    /// returns its path.
    func write(_ file: ReportFile, to folder: String, writer: ReportWriter? = nil) throws(CommandFailure) -> String {
        try Self.createFolder(folder)
        let path = folder.appendingPath(file.name)
        if let writer {
            writer.write(file.bytes, to: path)
        } else if !Self.replace(path, with: file.bytes) {
            throw CommandFailure(.unreadable, "\(path): error: cannot write the report")
        }
        return path
    }

    /// Writes `bytes` to a new file beside `path` and renames it to `path`, so that a reader sees
    /// the old report or the whole new one, never part of it; false when any step fails (the
    /// temporary file is then removed).
    ///
    /// Straight from the bytes with `write(2)`, and without Foundation's `Data.write(options:
    /// .atomic)`, which also calls `fsync` on every file: 1,300 of them in a large batch, each
    /// waiting for the disk, for reports that can simply be written again. The rename still keeps
    /// a half-written report from ever being seen.
    /// Large reports are written around the page cache (``DirectWrite``).
    static func replace(_ path: String, with bytes: [UInt8]) -> Bool {
        // Unique to this process and file without a random number: each costs a system call
        // (1,300 per large batch). O_EXCL still refuses a name already taken.
        let temporary = path + ".partial-\(getpid())-\(temporaryNumbers.add(1, ordering: .relaxed).newValue)"
        let direct = bytes.count >= DirectWrite.threshold ? bytes.withUnsafeBytes { DirectWrite.create(temporary, with: $0) } : nil
        let written: Bool
        if let direct {
            written = direct
        } else {
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            guard fd >= 0 else { return false }
            written = bytes.withUnsafeBytes { writeAll(fd, $0) } && close(fd) == 0
        }
        guard written && rename(temporary, path) == 0 else {
            unlink(temporary)
            return false
        }
        return true
    }
}

extension AuditPipeline {
    /// Numbers the temporary files of this process.
    static let temporaryNumbers = Atomic<Int>(0)

    /// Creates `folder` and any missing parent. Tries `mkdir` alone first: a batch creates a
    /// folder per agency, and on this kind of file system each call costs about half a
    /// millisecond (strace), so the checks Foundation makes first are skipped when they can be.
    static func createFolder(_ folder: String) throws(CommandFailure) {
        if mkdir(folder, 0o777) == 0 { return }
        var isFolder: ObjCBool = false
        if errno == EEXIST && FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && isFolder.boolValue { return }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure(.unreadable, "\(folder): error: cannot create the output folder")
        }
    }
}

/// All of `buffer` to the open file `fd` (`write` may take it in parts); false on an error.
func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < buffer.count {
        let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return false }
        offset += n
    }
    return true
}

/// The failures met while loading an audit's inputs, kept so that every input is tried.
struct LoadFailures {
    private var failures: [CommandFailure] = []

    /// `body`'s result, or nil when it failed (the failure is kept).
    @discardableResult
    mutating func attempt<T>(_ body: () throws(CommandFailure) -> T) -> T? {
        do { return try body() } catch {
            failures.append(error)
            return nil
        }
    }

    /// ``attempt(_:)`` for reading a file: its error becomes the command's failure (66 or 65).
    @discardableResult
    mutating func attemptReading<T>(_ body: () throws(IngestError) -> T) -> T? {
        do { return try body() } catch {
            failures.append(AuditPipeline.failure(error))
            return nil
        }
    }

    /// Every message, in the order met, with the highest status (§6); nil when nothing failed.
    var combined: CommandFailure? {
        guard let status = failures.map(\.status).max() else { return nil }
        return CommandFailure(status, failures.flatMap(\.messages))
    }
}
