import FairRecruitCore

/// A batch's portfolio with what its reporters need around it.
public struct PortfolioReport: Sendable {
    public static let schemaVersion = 1

    public var portfolio: Portfolio
    public var asOf: Day
    public var toolVersion: String
    public var standards: [Standard]
    /// `--employer`: the workplaces the batch was limited to; nil for all.
    public var employerFilter: [String]?
    /// The licence registry file and the number of agencies it lists; nil without `--registry`.
    public var registry: (file: String, agencies: Int)?
    /// Every input file as a whole (all agencies): rows read, accepted, rejected, and the rejections.
    public var inputs: [InputReport]
    /// Rejected rows per input file, with the agency each names (all of them, for the CSV).
    public var rejections: [(file: String, line: Int, agency: String?, reason: String)]
    /// The files written into each audited agency's folder (`report.json`, `report.html`, …), for links.
    public var agencyFiles: [String]

    public init(portfolio: Portfolio, asOf: Day, toolVersion: String, standards: [Standard], employerFilter: [String]?,
                registry: (file: String, agencies: Int)?, inputs: [InputReport],
                rejections: [(file: String, line: Int, agency: String?, reason: String)], agencyFiles: [String]) {
        self.portfolio = portfolio; self.asOf = asOf; self.toolVersion = toolVersion; self.standards = standards
        self.employerFilter = employerFilter; self.registry = registry; self.inputs = inputs; self.rejections = rejections
        self.agencyFiles = agencyFiles
    }

    /// The folder of an agency's reports, relative to the portfolio; nil for one that sent nothing.
    public static func folder(of agency: AgencySummary) -> String? {
        agency.submission == .none ? nil : "agencies/\(agency.agencyID)"
    }

    /// A link to an agency's report, the first written among `preferred`.
    func link(_ agency: AgencySummary, preferring preferred: [String]) -> String? {
        guard let folder = Self.folder(of: agency), let file = preferred.first(where: agencyFiles.contains) else { return nil }
        return folder + "/" + file
    }

    var agenciesAudited: Int { portfolio.agencies.filter { $0.submission != .none }.count }
    var workers: Int { portfolio.agencies.reduce(0) { $0 + $1.workers } }
    var records: Int { portfolio.agencies.reduce(0) { $0 + $1.records } }
}

/// One output format of the portfolio.
public protocol PortfolioReporter: Sendable {
    func files(for report: PortfolioReport) -> [ReportFile]
}

/// `portfolio.json` (§7; schema in Docs/portfolio.schema.json).
public struct PortfolioJSONReporter: PortfolioReporter {
    public init() {}

    public func files(for report: PortfolioReport) -> [ReportFile] {
        [ReportFile(name: "portfolio.json", contents: document(report).serialized())]
    }

    public func document(_ report: PortfolioReport) -> JSONValue {
        let p = report.portfolio
        func agency(_ a: AgencySummary) -> [String: JSONValue] {
            [
                "agency": .string(a.agencyID), "name": .optional(a.name), "score": JSONReporter.number(a.score),
                "rating": .string(a.rating), "coverage": JSONReporter.number(a.coverage),
                "criticalFindings": .int(a.criticalFindings.count), "findings": .int(a.findings), "actions": .int(a.actions),
                "reimbursementsDue": JSONReporter.money(a.reimbursementsDue), "submission": .string(a.submission.rawValue),
                "licenceStatus": .optional(a.licence.statusName), "workers": .int(a.workers), "records": .int(a.records),
                "reports": .optional(PortfolioReport.folder(of: a)),
            ]
        }
        return .object([
            "schemaVersion": .int(PortfolioReport.schemaVersion),
            "tool": .object(["name": .string("fairrecruit"), "version": .string(report.toolVersion)]),
            "asOf": .string(report.asOf.description),
            "standards": .array(report.standards.map { s in
                .object(["id": .string(s.id), "version": .string(s.version), "title": .string(s.title), "sha256": .string(s.sha256)])
            }),
            "employerFilter": report.employerFilter.map { .array($0.map { .string($0) }) } ?? .null,
            "registry": report.registry.map { .object(["file": .string($0.file), "agencies": .int($0.agencies)]) } ?? .null,
            "totals": .object([
                "agencies": .int(p.agencies.count), "agenciesAudited": .int(report.agenciesAudited),
                "agenciesWithoutSubmission": .int(p.agencies.count - report.agenciesAudited),
                "agenciesWithCriticalFindings": .int(p.enforcement.count),
                "workers": .int(report.workers), "records": .int(report.records),
                "reimbursementsDue": JSONReporter.money(p.reimbursementsDue),
            ]),
            "agencies": .array(p.agencies.map { .object(agency($0)) }),
            "ratingDistribution": .array(p.ratingDistribution.map { .object(["rating": .string($0.rating), "agencies": .int($0.agencies)]) }),
            "enforcement": .array(p.enforcement.map { a in
                .object([
                    "agency": .string(a.agencyID), "name": .optional(a.name), "rating": .string(a.rating),
                    "criticalFindings": .array(a.criticalFindings.map { .string($0) }),
                    "reimbursementsDue": JSONReporter.money(a.reimbursementsDue), "licenceStatus": .optional(a.licence.statusName),
                    "reports": .optional(PortfolioReport.folder(of: a)),
                ])
            }),
            "corridors": .array(p.corridors.map { c in
                .object([
                    "origin": .string(c.origin), "destination": .string(c.destination), "workers": .int(c.workers),
                    "costToWageMean": JSONReporter.number(c.costToWageMean), "costToWageMedian": JSONReporter.number(c.costToWageMedian),
                    "workersWithoutWage": .int(c.workersWithoutWage), "denominator": .int(c.denominator),
                ])
            }),
            "employers": .array(p.employers.map { e in
                .object([
                    "employer": .optional(e.employer), "agencies": .int(e.agencies), "workers": .int(e.workers),
                    "workersCharged": .int(e.workersCharged), "reimbursementsDue": JSONReporter.money(e.reimbursementsDue),
                ])
            }),
            "requirements": .array(p.requirements.map { r in
                .object([
                    "standard": .string(r.standard), "id": .string(r.id), "title": .string(r.title), "severity": .string(r.severity.rawValue),
                    "agenciesNotMet": .int(r.agenciesNotMet), "agenciesPartiallyMet": .int(r.agenciesPartiallyMet),
                    "agenciesAssessed": .int(r.agenciesAssessed),
                ])
            }),
            "inputs": .array(report.inputs.map(JSONReporter.input)),
        ])
    }
}

/// The portfolio as flat tables: `portfolio.csv` (the league table, one row per agency),
/// `portfolio-corridors.csv`, `portfolio-employers.csv` (one row per employer and currency owed),
/// `portfolio-requirements.csv` and `portfolio-rejections.csv` (every rejected input row). Quoting
/// and formula neutralisation as the audit's CSV exports.
public struct PortfolioCSVReporter: PortfolioReporter {
    public init() {}
    typealias Cell = CSVReporter.Cell

    public static let columns: [(file: String, columns: [String])] = [
        ("portfolio.csv", ["rank", "agency_id", "name", "score", "rating", "coverage", "critical_findings", "findings", "actions",
                           "reimbursements_due", "submission", "licence_status", "workers", "records", "reports"]),
        ("portfolio-corridors.csv", ["origin", "destination", "workers", "workers_without_wage", "denominator",
                                     "cost_to_wage_mean", "cost_to_wage_median"]),
        ("portfolio-employers.csv", ["employer", "agencies", "workers", "workers_charged", "currency", "amount_due"]),
        ("portfolio-requirements.csv", ["standard", "requirement", "title", "severity", "agencies_not_met",
                                        "agencies_partially_met", "agencies_assessed"]),
        ("portfolio-rejections.csv", ["agency_id", "file", "line", "reason"]),
    ]

    public func files(for report: PortfolioReport) -> [ReportFile] {
        let p = report.portfolio
        func number(_ value: ExactDecimal?) -> Cell { .number(value?.description ?? "") }
        let league: [[Cell]] = p.agencies.enumerated().map { i, a in
            [.int(i + 1), .text(a.agencyID), .optional(a.name), number(a.score), .text(a.rating), number(a.coverage),
             .int(a.criticalFindings.count), .int(a.findings), .int(a.actions),
             .text(a.reimbursementsDue.map { "\($0.amount) \($0.currency)" }.joined(separator: "; ")), .text(a.submission.rawValue),
             .optional(a.licence.statusName), .int(a.workers), .int(a.records), .optional(PortfolioReport.folder(of: a))]
        }
        let corridors: [[Cell]] = p.corridors.map { c in
            [.text(c.origin), .text(c.destination), .int(c.workers), .int(c.workersWithoutWage), .int(c.denominator),
             number(c.costToWageMean), number(c.costToWageMedian)]
        }
        let employers: [[Cell]] = p.employers.flatMap { e -> [[Cell]] in
            let common: [Cell] = [.optional(e.employer), .int(e.agencies), .int(e.workers), .int(e.workersCharged)]
            if e.reimbursementsDue.isEmpty { return [common + [.text(""), .number("")]] }
            return e.reimbursementsDue.map { common + [.text($0.currency), .number($0.amount.description)] }
        }
        let requirements: [[Cell]] = p.requirements.map { r in
            [.text(r.standard), .text(r.id), .text(r.title), .text(r.severity.rawValue), .int(r.agenciesNotMet),
             .int(r.agenciesPartiallyMet), .int(r.agenciesAssessed)]
        }
        let rejections: [[Cell]] = report.rejections.map { [.optional($0.agency), .text($0.file), .int($0.line), .text($0.reason)] }
        return zip(Self.columns, [league, corridors, employers, requirements, rejections]).map { table, rows in
            ReportFile(name: table.file, bytes: CSVReporter.csv(header: table.columns, rows: rows))
        }
    }
}
