import FairRecruitCore

/// `portfolio.md`: the batch for people, readable as plain text and rendered on any forge.
public struct PortfolioMarkdownReporter: PortfolioReporter {
    public init() {}

    public func files(for report: PortfolioReport) -> [ReportFile] {
        [ReportFile(name: "portfolio.md", contents: render(report))]
    }

    public func render(_ report: PortfolioReport) -> String {
        let p = report.portfolio
        var out: [String] = []
        out.append("# FairRecruit portfolio")
        out.append("")
        out.append("Audit date \(report.asOf) · fairrecruit \(md(report.toolVersion)) · standards "
                   + report.standards.map { "`\(code($0.id))` \(md($0.version))" }.joined(separator: ", "))
        out.append("")
        if let employers = report.employerFilter {
            out.append("Limited to the employers " + employers.map(md).joined(separator: ", ") + " (`--employer`).")
            out.append("")
        }
        if let registry = report.registry {
            out.append("Licence registry: \(md(registry.file)), \(registry.agencies) agencies.")
            out.append("")
        }
        out.append("| agencies | audited | sent nothing | with critical findings | workers | fee records | reimbursements due |")
        out.append("|---|---|---|---|---|---|---|")
        out.append("| \(p.agencies.count) | \(report.agenciesAudited) | \(p.agencies.count - report.agenciesAudited) | \(p.enforcement.count) | \(report.workers) | \(report.records) | \(Format.money(p.reimbursementsDue)) |")
        out.append("")

        out.append("## League table")
        out.append("")
        out.append("Ranked by rating (A to E, then NR: not rated), then score. Critical findings count not-met critical findings.")
        out.append("")
        out.append("| # | agency | score | rating | critical findings | reimbursements due | submission | licence |")
        out.append("|---|---|---|---|---|---|---|---|")
        for (i, a) in p.agencies.enumerated() {
            out.append("| \(i + 1) | \(agency(a, report)) | \(Format.score(a.score)) | **\(a.rating)** | \(a.criticalFindings.count) | \(Format.money(a.reimbursementsDue)) | \(Format.words(a.submission.rawValue)) | \(Format.words(a.licence.statusName ?? "—")) |")
        }
        out.append("")

        out.append("## Rating distribution")
        out.append("")
        out.append("| rating | agencies | |")
        out.append("|---|---|---|")
        let largest = max(p.ratingDistribution.map(\.agencies).max() ?? 0, 1)
        for count in p.ratingDistribution {
            let bar = String(repeating: "█", count: (count.agencies * 30 + largest - 1) / largest)
            out.append("| \(count.rating) | \(count.agencies) | \(bar) |")
        }
        out.append("")

        out.append("## Enforcement list")
        out.append("")
        if p.enforcement.isEmpty {
            out.append("No agency has a critical finding.")
        } else {
            out.append("Agencies with critical findings, most first.")
            out.append("")
            out.append("| agency | rating | critical findings | reimbursements due | licence |")
            out.append("|---|---|---|---|---|")
            for a in p.enforcement {
                let findings = a.criticalFindings.map { "`\(code($0))`" }.joined(separator: ", ")
                out.append("| \(agency(a, report)) | \(a.rating) | \(findings) | \(Format.money(a.reimbursementsDue)) | \(Format.words(a.licence.statusName ?? "—")) |")
            }
        }
        out.append("")

        out.append("## Requirements failed most")
        out.append("")
        let failed = p.requirements.filter { $0.agenciesNotMet + $0.agenciesPartiallyMet > 0 }
        if failed.isEmpty {
            out.append("No requirement was failed.")
        } else {
            out.append("| requirement | severity | agencies not meeting it | partially | assessed |")
            out.append("|---|---|---|---|---|")
            for r in failed {
                out.append("| `\(code(r.standard))/\(code(r.id))` \(md(r.title)) | \(r.severity.rawValue) | \(r.agenciesNotMet) | \(r.agenciesPartiallyMet) | \(r.agenciesAssessed) |")
            }
        }
        out.append("")

        out.append("## Recruitment costs per corridor (SDG 10.7.1 method)")
        out.append("")
        out.append("Worker-borne costs in months of wage: mean and median over the workers with a wage, those who paid nothing included.")
        out.append("")
        if p.corridors.isEmpty {
            out.append("No fee records.")
        } else {
            out.append("| corridor | workers | with a wage | mean | median |")
            out.append("|---|---|---|---|---|")
            for c in p.corridors {
                out.append("| \(c.origin) → \(c.destination) | \(c.workers) | \(c.denominator) | \(Format.months(c.costToWageMean)) | \(Format.months(c.costToWageMedian)) |")
            }
        }
        out.append("")

        out.append("## Employers")
        out.append("")
        if p.employers.isEmpty {
            out.append("No fee records.")
        } else {
            out.append("| employer | agencies | workers | workers who paid | reimbursements due |")
            out.append("|---|---|---|---|---|")
            for e in p.employers {
                out.append("| \(e.employer.map(md) ?? "(none named)") | \(e.agencies) | \(e.workers) | \(e.workersCharged) | \(Format.money(e.reimbursementsDue)) |")
            }
        }
        out.append("")

        out.append("## Inputs")
        out.append("")
        let byEmployer = report.inputs.contains { $0.rowsOtherEmployer != nil }
        out.append("| file | format | read | accepted | rejected |" + (byEmployer ? " other employers |" : ""))
        out.append("|---|---|---|---|---|" + (byEmployer ? "---|" : ""))
        for input in report.inputs {
            out.append("| \(md(input.file)) | \(input.format) | \(input.rowsRead) | \(input.rowsAccepted) | \(input.rowsRejected) |"
                       + (byEmployer ? " \(input.rowsOtherEmployer.map(String.init) ?? "—") |" : ""))
        }
        out.append("")
        out += MarkdownReporter.rejectedRows(report.inputs, allIn: "portfolio-rejections.csv")
        out.append("Standards used: " + report.standards.map { "`\(code($0.id))` \(md($0.version)) (sha256 \($0.sha256.prefix(12))…)" }.joined(separator: "; ") + ".")
        return out.joined(separator: "\n") + "\n"
    }

    /// The agency's id (a link to its report when one was written) and name.
    private func agency(_ a: AgencySummary, _ report: PortfolioReport) -> String {
        let id = report.link(a, preferring: ["report.md", "report.html", "report.json"]).map { "[\(md(a.agencyID))](\($0))" } ?? md(a.agencyID)
        return id + (a.name.map { " \(md($0))" } ?? "")
    }
}
