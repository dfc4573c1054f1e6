import Crypto
import FairRecruitCore
import Foundation

/// `portfolio.html`: one page for a batch, rendered from the `portfolio.html` Mustache template. It
/// is complete without script; the `portfolio.js` partial, embedded inline, only makes the league
/// table sortable, and the page's Content-Security-Policy allows that script by its SHA-256 alone.
public struct PortfolioHTMLReporter: PortfolioReporter {
    public let templates: ReportTemplates

    public init(templates: ReportTemplates) { self.templates = templates }

    public func files(for report: PortfolioReport) -> [ReportFile] {
        [ReportFile(name: "portfolio.html", contents: render(report))]
    }

    public func render(_ report: PortfolioReport) -> String {
        // The script is rendered on its own to hash it; the page embeds the same partial.
        let script = templates.render(PortfolioView.ScriptContext(), template: ReportTemplates.portfolioScript)
        return templates.render(PortfolioView(report, scriptHash: Self.hash(script)), template: ReportTemplates.portfolio)
    }

    /// The CSP source for an inline script: base64 of its UTF-8 text's SHA-256.
    static func hash(_ script: String) -> String { Data(SHA256.hash(data: Data(script.utf8))).base64EncodedString() }
}

/// What `portfolio.html.mustache` renders (fields listed in Templates/README.md). As in
/// ``ReportView``: text already formatted, chart geometry computed here, input-derived text raw
/// (Mustache escapes it), optional fields named uniquely.
struct PortfolioView {
    struct ScriptContext {}
    struct Money { let amount: String; let currency: String }
    struct AgencyRow {
        let rank: Int
        let agency: String
        let agencyName: String?
        /// Relative link to the agency's report; nil for an agency that sent nothing.
        let reportLink: String?
        let score: String
        /// Sort keys: the score (empty when none) and the rating's place (A = 0 … NR = 5).
        let scoreValue: String
        let rating, ratingClass: String
        let ratingRank: Int
        let critical: Int
        let due: [Money]
        /// The first currency's amount, to sort by (empty when nothing is due).
        let dueValue: String
        let submission, licence: String
    }
    struct RatingBar {
        let rating, ratingClass: String
        let count, x, y, width, height, labelX, labelY, countY: Int
    }
    struct RatingChart { let width, height, baseline: Int; let bars: [RatingBar] }
    struct EnforcementRow {
        let agency: String
        let enforcementName: String?
        let enforcementLink: String?
        let rating, ratingClass: String
        let findings: [String]
        let due: [Money]
        let licence: String
    }
    struct RequirementRow { let key, title, severity: String; let notMet, partial, assessed: Int }
    struct CorridorRow { let origin, destination, mean, median: String; let workers, denominator, withoutWage: Int }
    struct EmployerRow { let employer: String; let named: Bool; let agencies, workers, charged: Int; let due: [Money] }
    struct InputRow {
        let file, format: String
        let read, accepted, rejected: Int
        /// Rows at other workplaces (`--employer`), or a dash for files without workplaces.
        let otherEmployer: String
    }
    struct StandardRow { let id, title, version, sha256: String }
    struct Totals {
        let agencies, audited, withoutSubmission, withCritical, workers, records: Int
        let due: [Money]
    }

    let asOf: String
    let toolVersion: String
    let scriptHash: String
    let standards: [StandardRow]
    let employerFilter: String?
    let registryFile: String?
    let registryAgencies: Int
    let totals: Totals
    let agencies: [AgencyRow]
    let ratingChart: RatingChart
    let enforcement: [EnforcementRow]
    let requirements: [RequirementRow]
    let corridors: [CorridorRow]
    let employers: [EmployerRow]
    let inputs: [InputRow]
    let byEmployer: Bool

    init(_ report: PortfolioReport, scriptHash: String) {
        let p = report.portfolio
        asOf = report.asOf.description
        toolVersion = report.toolVersion
        self.scriptHash = scriptHash
        standards = report.standards.map { StandardRow(id: $0.id, title: $0.title, version: $0.version, sha256: $0.sha256) }
        employerFilter = report.employerFilter?.joined(separator: ", ")
        registryFile = report.registry?.file
        registryAgencies = report.registry?.agencies ?? 0
        totals = Totals(agencies: p.agencies.count, audited: report.agenciesAudited, withoutSubmission: p.agencies.count - report.agenciesAudited,
                        withCritical: p.enforcement.count, workers: report.workers, records: report.records,
                        due: Self.money(p.reimbursementsDue))
        let links = ["report.html", "report.md", "report.json"]
        agencies = p.agencies.enumerated().map { i, a in
            AgencyRow(rank: i + 1, agency: a.agencyID, agencyName: a.name, reportLink: report.link(a, preferring: links),
                      score: Format.score(a.score), scoreValue: a.score?.description ?? "", rating: a.rating,
                      ratingClass: a.rating.lowercased(), ratingRank: Portfolio.ratings.firstIndex(of: a.rating) ?? Portfolio.ratings.count,
                      critical: a.criticalFindings.count, due: Self.money(a.reimbursementsDue),
                      dueValue: a.reimbursementsDue.first?.amount.description ?? "", submission: Format.words(a.submission.rawValue),
                      licence: Format.words(a.licence.statusName ?? "—"))
        }
        ratingChart = Self.ratingChart(p.ratingDistribution)
        enforcement = p.enforcement.map { a in
            EnforcementRow(agency: a.agencyID, enforcementName: a.name, enforcementLink: report.link(a, preferring: links),
                           rating: a.rating, ratingClass: a.rating.lowercased(), findings: a.criticalFindings,
                           due: Self.money(a.reimbursementsDue), licence: Format.words(a.licence.statusName ?? "—"))
        }
        requirements = p.requirements.filter { $0.agenciesNotMet + $0.agenciesPartiallyMet > 0 }.map { r in
            RequirementRow(key: "\(r.standard)/\(r.id)", title: r.title, severity: r.severity.rawValue, notMet: r.agenciesNotMet,
                           partial: r.agenciesPartiallyMet, assessed: r.agenciesAssessed)
        }
        corridors = p.corridors.map { c in
            CorridorRow(origin: c.origin, destination: c.destination, mean: Format.months(c.costToWageMean),
                        median: Format.months(c.costToWageMedian), workers: c.workers, denominator: c.denominator,
                        withoutWage: c.workersWithoutWage)
        }
        employers = p.employers.map { e in
            EmployerRow(employer: e.employer ?? "(none named)", named: e.employer != nil, agencies: e.agencies, workers: e.workers,
                        charged: e.workersCharged, due: Self.money(e.reimbursementsDue))
        }
        inputs = report.inputs.map { i in
            InputRow(file: i.file, format: i.format, read: i.rowsRead, accepted: i.rowsAccepted, rejected: i.rowsRejected,
                     otherEmployer: i.rowsOtherEmployer.map(String.init) ?? "—")
        }
        byEmployer = report.inputs.contains { $0.rowsOtherEmployer != nil }
    }

    static func money(_ totals: MoneyTotals) -> [Money] { totals.map { Money(amount: Format.amount($0.amount), currency: $0.currency) } }

    /// Vertical bars, one per rating (A … E, NR), in a fixed view box; whole units, so byte-stable.
    static func ratingChart(_ distribution: [Portfolio.RatingCount]) -> RatingChart {
        let left = 20, slot = 70, barWidth = 50, top = 28, plotHeight = 150
        let baseline = top + plotHeight
        let largest = max(distribution.map(\.agencies).max() ?? 0, 1)
        let bars = distribution.enumerated().map { i, count in
            let height = count.agencies * plotHeight / largest
            let x = left + i * slot + (slot - barWidth) / 2
            return RatingBar(rating: count.rating, ratingClass: count.rating.lowercased(), count: count.agencies, x: x,
                             y: baseline - height, width: barWidth, height: height, labelX: x + barWidth / 2,
                             labelY: baseline + 22, countY: baseline - height - 8)
        }
        return RatingChart(width: left * 2 + slot * distribution.count, height: baseline + 34, baseline: baseline, bars: bars)
    }
}
