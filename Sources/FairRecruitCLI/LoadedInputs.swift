import FairRecruitCore
import FairRecruitIngest
import FairRecruitReports

/// Everything an audit reads, read and validated once: the standards, the accepted rows of every
/// input file grouped by agency, the licence registry, the waivers and the reporters. Plain values,
/// so that a batch's jobs share them; ``report(for:memory:batch:)`` audits one agency.
struct LoadedInputs: Sendable {
    let config: AuditConfiguration
    let standards: [Standard]
    let categories: FeeCategories
    let rates: ExchangeRates
    let waivers: [Waiver]
    /// Accepted fee records of every agency.
    let fees: FeeStore
    let answers: [String: [String: Answer]]
    /// Names given in XML self-assessments, by agency.
    let agencyNames: [String: String]
    let feeFiles: [InputFileSummary]
    let answerFiles: [InputFileSummary]
    /// Rows of other agencies (`--agency`), per file.
    let otherAgencyRows: [String: Int]
    /// Rows at other workplaces, per file; nil without `--employer`.
    let otherEmployerRows: [String: Int]?
    let registry: LicenceRegistry?
    let reporters: [any Reporter]
    let templates: ReportTemplates?
    /// Data-quality notes on accepted rows, by agency.
    let notes: [String: [DataQualityNote]]
    /// Each input file's rejections by the agency they name (`""` when none could be read).
    private let rejections: [String: [String: [Rejection]]]

    init(config: AuditConfiguration, standards: [Standard], categories: FeeCategories, rates: ExchangeRates, waivers: [Waiver],
         fees: FeeStore, answers: [String: [String: Answer]], agencyNames: [String: String],
         feeFiles: [InputFileSummary], answerFiles: [InputFileSummary], otherAgencyRows: [String: Int],
         otherEmployerRows: [String: Int]?, notes: [String: [DataQualityNote]], registry: LicenceRegistry?, reporters: [any Reporter],
         templates: ReportTemplates?) {
        self.config = config; self.standards = standards; self.categories = categories; self.rates = rates
        self.waivers = waivers; self.fees = fees; self.answers = answers; self.agencyNames = agencyNames
        self.feeFiles = feeFiles; self.answerFiles = answerFiles; self.otherAgencyRows = otherAgencyRows
        self.otherEmployerRows = otherEmployerRows; self.registry = registry; self.reporters = reporters; self.templates = templates
        self.notes = notes
        var rejections: [String: [String: [Rejection]]] = [:]
        for file in feeFiles + answerFiles + (registry.map { [$0.file] } ?? []) {
            rejections[file.file] = Dictionary(grouping: file.rejections) { $0.agencyID ?? "" }
        }
        self.rejections = rejections
    }

    /// The input files in report order: fee records, self-assessments, then the registry.
    var files: [InputFileSummary] { feeFiles + answerFiles + (registry.map { [$0.file] } ?? []) }

    /// Every agency that sent something a batch can audit (a valid agency id on an accepted or a
    /// rejected row of a fee-record or self-assessment file), sorted.
    var submittingAgencies: [String] {
        var seen = Set(answers.keys)   // agencies with fee records are in the files' acceptedByAgency
        for file in feeFiles + answerFiles {
            seen.formUnion(file.acceptedByAgency.keys)
            for rejection in file.rejections { if let id = rejection.agencyID, isValidAgencyID(id) { seen.insert(id) } }
        }
        return seen.sorted()
    }

    /// Audits one agency and wraps the result for the reporters.
    /// - Parameter batch: inputs are reported as this agency's share of each file (in a single
    ///   audit the fee-record and self-assessment files belong to the agency as a whole).
    func report(for agency: String, memory: AuditMemory?, batch: Bool) -> AuditReport {
        let (records, grouping) = fees.audited(agency, onAllCores: !batch)
        var input = AuditInput(agencyID: agency, asOf: config.asOf, records: records, answers: answers[agency] ?? [:],
                               feesProvided: !config.fees.isEmpty, categories: categories, rates: rates)
        input.grouping = grouping
        input.waivers = waivers
        input.allowCriticalWaivers = config.allowCriticalWaivers
        input.licence = registry?.lookup(agency) ?? .noRegistry
        input.memory = memory
        input.onAllCores = !batch
        let result = AuditEngine().audit(standards, input: input)
        var inputs = (feeFiles + answerFiles).map { file in
            batch ? share(of: file, for: agency, unattributed: false) : whole(file, for: agency)
        }
        if let registry { inputs.append(share(of: registry.file, for: agency, unattributed: !batch)) }
        let name: String?
        if case .listed(let entry) = input.licence { name = entry.name } else { name = agencyNames[agency] }
        return AuditReport(result: result, toolVersion: AuditPipeline.toolVersion, agencyName: name, inputs: inputs,
                           dataQuality: notes[agency] ?? [], answers: (answers[agency] ?? [:]).values.sorted { $0.location < $1.location })
    }

    /// A file that belongs to the audited agency as a whole (rows of others were filtered by `--agency`).
    func whole(_ file: InputFileSummary, for agency: String) -> InputReport {
        let otherEmployer = otherEmployer(in: file)
        return InputReport(file: file.file, format: file.format, rowsRead: file.rowsRead, rowsAccepted: file.acceptedByAgency.values.reduce(0, +),
                           rowsRejected: file.rejections.count, rowsOtherAgency: (otherAgencyRows[file.file] ?? 0) + (otherEmployer ?? 0),
                           rejections: file.rejections.map { (line: $0.location.line, reason: $0.reason) }, rowsOtherEmployer: otherEmployer)
    }

    /// The rows of a file rejected for naming this agency.
    func rejected(in file: InputFileSummary, by agency: String) -> [Rejection] { rejections[file.file]?[agency] ?? [] }

    /// Fee-record rows at workplaces outside `--employer`; nil without it, and for other files.
    func otherEmployer(in file: InputFileSummary) -> Int? {
        guard let rows = otherEmployerRows, feeFiles.contains(where: { $0.file == file.file }) else { return nil }
        return rows[file.file] ?? 0
    }

    /// One agency's share of a file that holds many: its accepted and rejected rows; every other
    /// row counts as another agency's (or, with `--employer`, another workplace's).
    /// - Parameter unattributed: also count rejected rows whose agency could not be read.
    func share(of file: InputFileSummary, for agency: String, unattributed: Bool) -> InputReport {
        let byAgency = rejections[file.file] ?? [:]
        var rejected = rejected(in: file, by: agency)
        if unattributed {
            for (id, list) in byAgency where id != agency && !isValidAgencyID(id) { rejected += list }
            rejected.sort { $0.location < $1.location }
        }
        let accepted = file.acceptedByAgency[agency] ?? 0
        let otherEmployer = otherEmployer(in: file)
        return InputReport(file: file.file, format: file.format, rowsRead: file.rowsRead, rowsAccepted: accepted,
                           rowsRejected: rejected.count, rowsOtherAgency: file.rowsRead - accepted - rejected.count,
                           rejections: rejected.map { (line: $0.location.line, reason: $0.reason) }, rowsOtherEmployer: otherEmployer)
    }
}
