import FairRecruitCore
import Foundation

/// `report.md`: the report for people, readable as plain text and rendered on any forge.
public struct MarkdownReporter: SingleFileReporter {
    public init() {}
    public var fileName: String { "report.md" }

    /// A generous guess at the file's size, so that its bytes are not copied as they grow
    /// (a large allocation's pages that are never written take no memory).
    static func estimatedSize(_ report: AuditReport) -> Int {
        let r = report.result
        let reimbursements = r.actions.reduce(0) { total, action in
            action.reimbursements.reduce(total) { $0 + 200 + 64 * $1.records.count }
        }
        return 64 * 1024 + reimbursements + 300 * r.pendingRefunds.count + 300 * report.dataQuality.count
    }

    public func bytes(for report: AuditReport) -> [UInt8] {
        let r = report.result
        let overall = r.overall
        var out = OutputBuffer(capacity: Self.estimatedSize(report))
        let name = report.agencyName.map { " — \(md($0))" } ?? ""
        out.line("# FairRecruit audit: \(md(r.agencyID))\(name)")
        out.line()
        out.line("Audit date \(r.asOf) · fairrecruit \(md(report.toolVersion))")
        out.line()
        out.line("| score | rating | coverage | reimbursements due |")
        out.line("|---|---|---|---|")
        out.line("| \(Format.score(overall.score)) | **\(overall.rating)** | \(Format.coverage(overall.coverage)) | \(Format.money(r.reimbursementsDue)) |")
        out.line()
        out.line("Rating: A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, else E; a critical requirement not met caps it at D; coverage below 0.8 gives NR (not rated).")
        out.line()
        if let progress = r.progress { progressSection(progress, r, into: &out) }

        out.line("## Standards")
        out.line()
        out.line("| standard | version | score | rating | coverage |")
        out.line("|---|---|---|---|---|")
        for standard in r.standards {
            let s = r.summary(standard: standard.id)
            out.line("| \(md(standard.title)) (`\(code(standard.id))`) | \(md(standard.version)) | \(Format.score(s.score)) | \(s.rating) | \(Format.coverage(s.coverage)) |")
        }
        out.line()
        out.line("| standard | principle | score | coverage |")
        out.line("|---|---|---|---|")
        for standard in r.standards {
            for principle in standard.principles {
                let s = r.summary(standard: standard.id, principle: principle.id)
                out.line("| `\(code(standard.id))` | \(md(principle.title)) | \(Format.score(s.score)) | \(Format.coverage(s.coverage)) |")
            }
        }
        out.line()

        out.line("## Requirements")
        out.line()
        out.line("| requirement | severity | weight | status |")
        out.line("|---|---|---|---|")
        for req in r.requirements {
            var flags: [String] = []
            if req.claimContradicted { flags.append("claim contradicted") }
            if req.waiver != nil { flags.append("waived") }
            if !req.requirement.verified { flags.append("unverified") }
            let suffix = flags.isEmpty ? "" : " (\(flags.joined(separator: ", ")))"
            out.line("| `\(code(req.standard))/\(code(req.requirement.id))` \(md(req.requirement.title)) | \(req.severity.rawValue) | \(req.requirement.weight) | \(Format.status(req.status))\(suffix) |")
        }
        out.line()

        out.line("## Findings")
        out.line()
        if r.findings.isEmpty { out.line("No findings.") ; out.line() }
        for f in r.findings {
            out.line("### \(f.severity.rawValue.uppercased()): `\(code(f.id))`" + (f.change.map { " (\($0.rawValue))" } ?? ""))
            out.line()
            out.line(Format.sentence(md(f.message)))
            if let counts = f.changeCounts, !f.workers.isEmpty {
                out.line()
                out.line("Since the previous audit: \(Format.changeCounts(counts)) worker(s).")
            }
            if f.waived { out.line(); out.line("Waived: an accepted exception covers it (see Waivers).") }
            if f.workersAssessed > 0 || f.workersAffected > 0 {
                out.line()
                out.line("Workers: \(f.workersAffected) affected, \(f.workersRemedied) remedied in time, \(f.workersAssessed) assessed" +
                           (f.workersUnclassified > 0 ? ", \(f.workersUnclassified) not assessed." : "."))
            }
            if let cell = f.gradingCell { out.line(); out.line("Graded severity from \(md(cell)).") }
            if let citation = f.citation { out.line(); out.line("Legal basis: \(md(citation)).") }
            if !f.verified { out.line(); out.line("This requirement's source is not confirmed (verified: false).") }
            if !f.evidence.isEmpty {
                let shown = f.evidence.prefix(AuditReport.maxEvidence).map { "\(md($0.file)):\($0.line)" }.joined(separator: ", ")
                let more = f.evidence.count > AuditReport.maxEvidence ? " and \(f.evidence.count - AuditReport.maxEvidence) more (see findings.csv)" : ""
                out.line()
                out.line("Evidence: \(shown)\(more).")
            }
            out.line()
        }

        if let fixed = r.progress?.fixedFindings, !fixed.isEmpty {
            out.line("### Fixed since the previous audit")
            out.line()
            for f in fixed {
                out.line("- `\(code(f.id))` (\(f.severity.rawValue)), now \(Format.status(f.status)): \(md(f.message))")
            }
            out.line()
        }

        out.line("## Action plan")
        out.line()
        if r.actions.isEmpty { out.line("Nothing to do.") ; out.line() }
        else {
            let tracked = r.progress != nil
            out.line("| action | severity | due | owner | score gain |" + (tracked ? " first detected | state |" : ""))
            out.line("|---|---|---|---|---|" + (tracked ? "---|---|" : ""))
            for a in r.actions {
                let gain = Format.gain(a.scoreGainTenths)
                let due = a.overdue ? "**\(a.dueDate) overdue**" : "\(a.dueDate)"
                let state = Format.words(a.state.rawValue) + (a.waived ? " (waived)" : "")
                out.line("| `\(code(a.id))` \(md(a.title)) | \(a.severity.rawValue) | \(due) | \(a.owner.rawValue) | \(gain) |"
                           + (tracked ? " \(a.firstDetected) | \(state) |" : ""))
            }
            out.line()
            for a in r.actions {
                out.line("**`\(code(a.id))`** — \(md(a.steps))" + (a.evidence.isEmpty ? "" : " Evidence to close: \(md(a.evidence))"))
                out.line()
            }
        }

        out.line("## Reimbursements")
        out.line()
        if r.actions.allSatisfy({ $0.reimbursements.isEmpty }) {
            out.line("No reimbursement is owed.")
        } else {
            out.line("| action | worker | amount | payer | employer | records |")
            out.line("|---|---|---|---|---|---|")
            // One row per worker, a large agency's longest section: written piece by piece.
            for a in r.actions {
                for reimbursement in a.reimbursements {
                    out.append("| `"); out.appendCode(a.id); out.append("` | "); out.appendMarkdown(reimbursement.workerID)
                    out.append(" | "); out.append(reimbursement.amount, minimumFractionDigits: 2); out.append(" "); out.append(reimbursement.currency)
                    out.append(" | "); out.append(reimbursement.payer.rawValue); out.append(" | "); out.appendMarkdown(reimbursement.employer ?? "")
                    out.append(" | ")
                    // Fields read in place: binding the record to a constant copied all of it.
                    for (i, position) in reimbursement.records.enumerated() {
                        if i > 0 { out.append(", ") }
                        out.appendMarkdown(r.records[position].location.file); out.append(":"); out.append(r.records[position].location.line)
                        if let id = r.records[position].recordID { out.append(" ("); out.appendMarkdown(id); out.append(")") }
                    }
                    out.line(" |")
                }
            }
            out.line()
            out.line("Total due (each record counted once, at the largest amount owed for it): \(Format.money(r.reimbursementsDue)).")
        }
        out.line()
        if !r.pendingRefunds.isEmpty {
            out.line("Refunds not yet due:")
            out.line()
            for p in r.pendingRefunds {
                out.append("- "); out.appendMarkdown(p.workerID); out.append(": "); out.append(p.amount, minimumFractionDigits: 2)
                out.append(" "); out.append(p.currency); out.append(" by "); out.append(p.dueDate)
                out.append(" (`"); out.appendCode(p.standard); out.append("/"); out.appendCode(p.requirement); out.append("`, ")
                out.appendMarkdown(p.location.file); out.append(":"); out.append(p.location.line); out.line(")")
            }
            out.line()
        }

        out.line("## Recruitment costs (SDG 10.7.1 method)")
        out.line()
        let fees = r.fees
        out.line("- Fee records: \(fees.records); workers: \(fees.workers)\(r.workersFromRecords ? " (counted from the fee records: no worker roster was given)" : ""); workers who paid: \(fees.workersCharged)")
        out.line("- Worker-borne costs: \(Format.money(fees.workerBorne))")
        out.line("- Cost in months of wage: mean \(Format.months(fees.costToWageMean)), median \(Format.months(fees.costToWageMedian)) over \(fees.denominator) worker(s) with a wage; \(fees.workersWithoutWage) without a wage excluded")
        out.line()

        out.line("## Inputs")
        out.line()
        out.line("| file | format | read | accepted | rejected | other agencies |")
        out.line("|---|---|---|---|---|---|")
        for input in report.inputs {
            out.line("| \(md(input.file)) | \(input.format) | \(input.rowsRead) | \(input.rowsAccepted) | \(input.rowsRejected) | \(input.rowsOtherAgency) |")
        }
        out.line()
        if let note = ReportView.otherEmployerNote(report.inputs) { out.line(md(note)); out.line() }
        for text in Self.rejectedRows(report.inputs) { out.line(text) }
        if !report.dataQuality.isEmpty {
            out.line("## Data quality")
            out.line()
            for note in report.dataQuality {
                out.append("- "); out.appendMarkdown(note.location.file); out.append(":"); out.append(note.location.line)
                out.append(" `"); out.append(note.code); out.append("`: "); out.appendMarkdown(note.message); out.line()
            }
            out.line()
        }
        out.line("Standards used: " + r.standards.map { "`\(code($0.id))` \(md($0.version)) (sha256 \($0.sha256.prefix(12))…)" }.joined(separator: "; ") + ".")
        return out.finish()
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
    private func progressSection(_ progress: AuditProgress, _ r: AuditResult, into out: inout OutputBuffer) {
        out.line("## Progress")
        out.line()
        let overall = r.overall
        if let previous = progress.previous {
            let change = progress.scoreChange(overall.score).map { " (\($0.isNegative ? "" : "+")\($0.formatted(minimumFractionDigits: 1)))" } ?? ""
            out.line("Compared with the audit of \(previous.asOf): score \(Format.score(previous.score)) → \(Format.score(overall.score))\(change), rating \(md(previous.rating)) → \(overall.rating).")
        } else {
            out.line("No earlier audit of this agency to compare with: every finding is new.")
        }
        out.line()
        let counts = (r.findings + progress.fixedFindings).changeTally
        let overdue = r.actions.filter(\.overdue).count
        out.line("Findings: \(counts[.new] ?? 0) new, \(counts[.regressed] ?? 0) regressed, \(counts[.unchanged] ?? 0) unchanged, \(counts[.fixed] ?? 0) fixed. Actions overdue: \(overdue).")
        out.line()
        let without = r.overallWithoutWaivers
        out.line("Score without waivers: \(Format.score(without.score)), rating \(without.rating).")
        out.line()
        if !progress.waivers.isEmpty {
            out.line("### Waivers")
            out.line()
            out.line("| requirement | scope | expires | status | approver | reason |")
            out.line("|---|---|---|---|---|---|")
            for outcome in progress.waivers {
                let w = outcome.waiver
                let scope = w.isScoped
                    ? ([w.workers.isEmpty ? nil : "workers " + w.workers.map(md).joined(separator: ", "),
                        w.destinations.isEmpty ? nil : "to " + w.destinations.joined(separator: ", ")].compactMap { $0 }.joined(separator: "; "))
                    : "whole requirement"
                out.line("| `\(code(w.standard))/\(code(w.requirement))` | \(scope) | \(w.expires) | \(Format.words(outcome.status.rawValue)) | \(md(w.approver)) | \(md(w.reason)) |")
            }
            out.line()
            out.line("A waived requirement is left out of the score (never counted as met); a scoped waiver rescores it without the placements it covers. Expired waivers no longer apply. Waivers never change what workers are owed.")
            out.line()
        }
    }
}

extension OutputBuffer {
    /// Input-derived text escaped as ``md(_:)`` escapes it.
    mutating func appendMarkdown(_ text: String) {
        // Most text has nothing to escape (none of md's characters): copied whole, as it is scanned.
        let copied = text.utf8.withContiguousStorageIfAvailable { utf8 in
            let rest = UnsafeBufferPointer(rebasing: utf8[WordScan.skipWords(utf8, unless: Self.mayBeMarkdownSpecial)...])
            guard !rest.contains(where: Self.isMarkdownSpecial) else { return false }
            append(bytes: utf8)
            return true
        }
        if copied != true { append(md(text)) }
    }

    /// Text inside a code span, as ``code(_:)`` writes it.
    mutating func appendCode(_ text: String) {
        let copied = text.utf8.withContiguousStorageIfAvailable { utf8 in
            guard !utf8.contains(UInt8(ascii: "`")) else { return false }
            append(bytes: utf8)
            return true
        }
        if copied != true { append(code(text)) }
    }

    /// A byte that ``md(_:)`` may change: `| * _ [ ] < > \` \\ #`, line breaks.
    private static func isMarkdownSpecial(_ byte: UInt8) -> Bool {
        // A bit per byte below 0x80 (all of them are), tested with a shift: no table to look up.
        byte < 0x40 ? (markdownBelow0x40 &>> UInt64(byte)) & 1 != 0
            : byte < 0x80 && (markdownFrom0x40 &>> UInt64(byte - 0x40)) & 1 != 0
    }

    /// Whether any of the eight bytes of `word` may be one of ``isMarkdownSpecial(_:)``'s.
    private static func mayBeMarkdownSpecial(_ word: UInt64) -> Bool {
        WordScan.below(0x0E, in: word)   // \n, \r
            | WordScan.equal(UInt8(ascii: "#"), in: word)
            | WordScan.equal(UInt8(ascii: "*"), in: word)
            | WordScan.equal(UInt8(ascii: "<"), ignoring: 0x02, in: word)    // and >
            | WordScan.equal(UInt8(ascii: "["), ignoring: 0x04, in: word)    // and _ (0x5F)
            | WordScan.equal(UInt8(ascii: "\\"), ignoring: 0x01, in: word)   // and ] (0x5D)
            | WordScan.equal(UInt8(ascii: "`"), in: word)
            | WordScan.equal(UInt8(ascii: "|"), in: word) != 0
    }

    /// Bit n set: byte n is one of `\n \r # * < >`.
    private static let markdownBelow0x40: UInt64 = 1 << 0x0A | 1 << 0x0D | 1 << 0x23 | 1 << 0x2A | 1 << 0x3C | 1 << 0x3E
    /// Bit n set: byte 0x40 + n is one of `[ \\ ] _ \` |`.
    private static let markdownFrom0x40: UInt64 = 1 << (0x5B - 0x40) | 1 << (0x5C - 0x40) | 1 << (0x5D - 0x40) | 1 << (0x5F - 0x40) | 1 << (0x60 - 0x40) | 1 << (0x7C - 0x40)
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
