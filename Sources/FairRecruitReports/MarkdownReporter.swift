import FairRecruitCore
import Foundation

/// `report.md`: the report for people, readable as plain text and rendered on any forge.
public struct MarkdownReporter: SingleFileReporter {
    public init() {}
    public var fileName: String { "report.md" }

    public func bytes(for report: AuditReport) -> [UInt8] {
        let r = report.result
        let overall = r.overall
        var out: [String] = []
        let name = report.agencyName.map { " — \(md($0))" } ?? ""
        out.append("# FairRecruit audit: \(md(r.agencyID))\(name)")
        out.append("")
        out.append("Audit date \(r.asOf) · fairrecruit \(md(report.toolVersion))")
        out.append("")
        out.append("| score | rating | coverage | reimbursements due |")
        out.append("|---|---|---|---|")
        out.append("| \(Format.score(overall.score)) | **\(overall.rating)** | \(Format.coverage(overall.coverage)) | \(Format.money(r.reimbursementsDue)) |")
        out.append("")
        out.append("Rating: A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, else E; a critical requirement not met caps it at D; coverage below 0.8 gives NR (not rated).")
        out.append("")
        if let progress = r.progress { out += progressSection(progress, r) }

        out.append("## Standards")
        out.append("")
        out.append("| standard | version | score | rating | coverage |")
        out.append("|---|---|---|---|---|")
        for standard in r.standards {
            let s = r.summary(standard: standard.id)
            out.append("| \(md(standard.title)) (`\(code(standard.id))`) | \(md(standard.version)) | \(Format.score(s.score)) | \(s.rating) | \(Format.coverage(s.coverage)) |")
        }
        out.append("")
        out.append("| standard | principle | score | coverage |")
        out.append("|---|---|---|---|")
        for standard in r.standards {
            for principle in standard.principles {
                let s = r.summary(standard: standard.id, principle: principle.id)
                out.append("| `\(code(standard.id))` | \(md(principle.title)) | \(Format.score(s.score)) | \(Format.coverage(s.coverage)) |")
            }
        }
        out.append("")

        out.append("## Requirements")
        out.append("")
        out.append("| requirement | severity | weight | status |")
        out.append("|---|---|---|---|")
        for req in r.requirements {
            var flags: [String] = []
            if req.claimContradicted { flags.append("claim contradicted") }
            if req.waiver != nil { flags.append("waived") }
            if !req.requirement.verified { flags.append("unverified") }
            let suffix = flags.isEmpty ? "" : " (\(flags.joined(separator: ", ")))"
            out.append("| `\(code(req.standard))/\(code(req.requirement.id))` \(md(req.requirement.title)) | \(req.severity.rawValue) | \(req.requirement.weight) | \(Format.status(req.status))\(suffix) |")
        }
        out.append("")

        out.append("## Findings")
        out.append("")
        if r.findings.isEmpty { out.append("No findings.") ; out.append("") }
        for f in r.findings {
            out.append("### \(f.severity.rawValue.uppercased()): `\(code(f.id))`" + (f.change.map { " (\($0.rawValue))" } ?? ""))
            out.append("")
            out.append(Format.sentence(md(f.message)))
            if let counts = f.changeCounts, !f.workers.isEmpty {
                out.append("")
                out.append("Since the previous audit: \(Format.changeCounts(counts)) worker(s).")
            }
            if f.waived { out.append(""); out.append("Waived: an accepted exception covers it (see Waivers).") }
            if f.workersAssessed > 0 || f.workersAffected > 0 {
                out.append("")
                out.append("Workers: \(f.workersAffected) affected, \(f.workersRemedied) remedied in time, \(f.workersAssessed) assessed" +
                           (f.workersUnclassified > 0 ? ", \(f.workersUnclassified) not assessed." : "."))
            }
            if let cell = f.gradingCell { out.append(""); out.append("Graded severity from \(md(cell)).") }
            if let citation = f.citation { out.append(""); out.append("Legal basis: \(md(citation)).") }
            if !f.verified { out.append(""); out.append("This requirement's source is not confirmed (verified: false).") }
            if !f.evidence.isEmpty {
                let shown = f.evidence.prefix(AuditReport.maxEvidence).map { "\(md($0.file)):\($0.line)" }.joined(separator: ", ")
                let more = f.evidence.count > AuditReport.maxEvidence ? " and \(f.evidence.count - AuditReport.maxEvidence) more (see findings.csv)" : ""
                out.append("")
                out.append("Evidence: \(shown)\(more).")
            }
            out.append("")
        }

        if let fixed = r.progress?.fixedFindings, !fixed.isEmpty {
            out.append("### Fixed since the previous audit")
            out.append("")
            for f in fixed {
                out.append("- `\(code(f.id))` (\(f.severity.rawValue)), now \(Format.status(f.status)): \(md(f.message))")
            }
            out.append("")
        }

        out.append("## Action plan")
        out.append("")
        if r.actions.isEmpty { out.append("Nothing to do.") ; out.append("") }
        else {
            let tracked = r.progress != nil
            out.append("| action | severity | due | owner | score gain |" + (tracked ? " first detected | state |" : ""))
            out.append("|---|---|---|---|---|" + (tracked ? "---|---|" : ""))
            for a in r.actions {
                let gain = Format.gain(a.scoreGainTenths)
                let due = a.overdue ? "**\(a.dueDate) overdue**" : "\(a.dueDate)"
                let state = Format.words(a.state.rawValue) + (a.waived ? " (waived)" : "")
                out.append("| `\(code(a.id))` \(md(a.title)) | \(a.severity.rawValue) | \(due) | \(a.owner.rawValue) | \(gain) |"
                           + (tracked ? " \(a.firstDetected) | \(state) |" : ""))
            }
            out.append("")
            for a in r.actions {
                out.append("**`\(code(a.id))`** — \(md(a.steps))" + (a.evidence.isEmpty ? "" : " Evidence to close: \(md(a.evidence))"))
                out.append("")
            }
        }

        out.append("## Reimbursements")
        out.append("")
        let lines = r.actions.flatMap { a in a.reimbursements.map { (a, $0) } }
        if lines.isEmpty {
            out.append("No reimbursement is owed.")
        } else {
            out.append("| action | worker | amount | payer | employer | records |")
            out.append("|---|---|---|---|---|---|")
            for (a, line) in lines {
                let records = zip(line.records, line.recordIDs).map { location, id in
                    "\(md(location.file)):\(location.line)" + (id.map { " (\(md($0)))" } ?? "")
                }.joined(separator: ", ")
                out.append("| `\(code(a.id))` | \(md(line.workerID)) | \(Format.amount(line.amount)) \(line.currency) | \(line.payer.rawValue) | \(md(line.employer ?? "")) | \(records) |")
            }
            out.append("")
            out.append("Total due (each record counted once, at the largest amount owed for it): \(Format.money(r.reimbursementsDue)).")
        }
        out.append("")
        if !r.pendingRefunds.isEmpty {
            out.append("Refunds not yet due:")
            out.append("")
            for p in r.pendingRefunds {
                out.append("- \(md(p.workerID)): \(Format.amount(p.amount)) \(p.currency) by \(p.dueDate) (`\(code(p.standard))/\(code(p.requirement))`, \(md(p.location.file)):\(p.location.line))")
            }
            out.append("")
        }

        out.append("## Recruitment costs (SDG 10.7.1 method)")
        out.append("")
        let fees = r.fees
        out.append("- Fee records: \(fees.records); workers: \(fees.workers)\(r.workersFromRecords ? " (counted from the fee records: no worker roster was given)" : ""); workers who paid: \(fees.workersCharged)")
        out.append("- Worker-borne costs: \(Format.money(fees.workerBorne))")
        out.append("- Cost in months of wage: mean \(Format.months(fees.costToWageMean)), median \(Format.months(fees.costToWageMedian)) over \(fees.denominator) worker(s) with a wage; \(fees.workersWithoutWage) without a wage excluded")
        out.append("")

        out.append("## Inputs")
        out.append("")
        out.append("| file | format | read | accepted | rejected | other agencies |")
        out.append("|---|---|---|---|---|---|")
        for input in report.inputs {
            out.append("| \(md(input.file)) | \(input.format) | \(input.rowsRead) | \(input.rowsAccepted) | \(input.rowsRejected) | \(input.rowsOtherAgency + (input.rowsOtherEmployer ?? 0)) |")
        }
        out.append("")
        if let note = ReportView.otherEmployerNote(report.inputs) { out.append(md(note)); out.append("") }
        out += Self.rejectedRows(report.inputs)
        if !report.dataQuality.isEmpty {
            out.append("## Data quality")
            out.append("")
            for note in report.dataQuality {
                out.append("- \(md(note.location.file)):\(note.location.line) `\(note.code)`: \(md(note.message))")
            }
            out.append("")
        }
        out.append("Standards used: " + r.standards.map { "`\(code($0.id))` \(md($0.version)) (sha256 \($0.sha256.prefix(12))…)" }.joined(separator: "; ") + ".")
        return Array((out.joined(separator: "\n") + "\n").utf8)
    }

    /// Each input file's rejected rows, at most `AuditReport.maxRejections` per file.
    /// - Parameter allIn: the file that lists them all, named after the count of those left out.
    static func rejectedRows(_ inputs: [InputReport], allIn: String? = nil) -> [String] {
        var out: [String] = []
        for input in inputs where !input.rejections.isEmpty {
            out.append("Rejected rows in \(md(input.file)):")
            out.append("")
            for rejection in input.rejections.prefix(AuditReport.maxRejections) {
                out.append("- line \(rejection.line): \(md(rejection.reason))")
            }
            if input.rejections.count > AuditReport.maxRejections {
                out.append("- … and \(input.rejections.count - AuditReport.maxRejections) more" + (allIn.map { " (see \($0))" } ?? ""))
            }
            out.append("")
        }
        return out
    }

    /// Comparison with the previous audit, scores with and without waivers, and the waivers.
    private func progressSection(_ progress: AuditProgress, _ r: AuditResult) -> [String] {
        var out = ["## Progress", ""]
        let overall = r.overall
        if let previous = progress.previous {
            let change = progress.scoreChange(overall.score).map { " (\($0.isNegative ? "" : "+")\($0.formatted(minimumFractionDigits: 1)))" } ?? ""
            out.append("Compared with the audit of \(previous.asOf): score \(Format.score(previous.score)) → \(Format.score(overall.score))\(change), rating \(md(previous.rating)) → \(overall.rating).")
        } else {
            out.append("No earlier audit of this agency to compare with: every finding is new.")
        }
        out.append("")
        let counts = (r.findings + progress.fixedFindings).changeTally
        let overdue = r.actions.filter(\.overdue).count
        out.append("Findings: \(counts[.new] ?? 0) new, \(counts[.regressed] ?? 0) regressed, \(counts[.unchanged] ?? 0) unchanged, \(counts[.fixed] ?? 0) fixed. Actions overdue: \(overdue).")
        out.append("")
        let without = r.overallWithoutWaivers
        out.append("Score without waivers: \(Format.score(without.score)), rating \(without.rating).")
        out.append("")
        if !progress.waivers.isEmpty {
            out.append("### Waivers")
            out.append("")
            out.append("| requirement | scope | expires | status | approver | reason |")
            out.append("|---|---|---|---|---|---|")
            for outcome in progress.waivers {
                let w = outcome.waiver
                let scope = w.isScoped
                    ? ([w.workers.isEmpty ? nil : "workers " + w.workers.map(md).joined(separator: ", "),
                        w.destinations.isEmpty ? nil : "to " + w.destinations.joined(separator: ", ")].compactMap { $0 }.joined(separator: "; "))
                    : "whole requirement"
                out.append("| `\(code(w.standard))/\(code(w.requirement))` | \(scope) | \(w.expires) | \(Format.words(outcome.status.rawValue)) | \(md(w.approver)) | \(md(w.reason)) |")
            }
            out.append("")
            out.append("A waived requirement is left out of the score (never counted as met); a scoped waiver rescores it without the placements it covers. Expired waivers no longer apply. Waivers never change what workers are owed.")
            out.append("")
        }
        return out
    }
}

/// Escapes input-derived text for Markdown: `| * _ [ ] < > \`` and backslashes; line breaks become spaces.
public func md(_ text: String) -> String {
    var out = ""
    for c in text {
        switch c {
        case "|", "*", "_", "[", "]", "<", ">", "`", "\\", "#": out.append("\\"); out.append(c)
        case "\n", "\r": out.append(" ")
        default: out.append(c)
        }
    }
    return out
}

/// Text inside a code span: backticks cannot be escaped there, so they are replaced.
func code(_ text: String) -> String { text.replacingOccurrences(of: "`", with: "'") }
