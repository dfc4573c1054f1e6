import FairRecruitCore

/// `findings.csv`, `actions.csv`, `reimbursements.csv`, `rejections.csv` and `waivers.csv`: flat
/// tables for spreadsheets, with every row the JSON caps (all evidence locations, all rejections).
///
/// Columns are fixed (README, "CSV exports") and every file starts with `agency_id`, so the files
/// of several audits can be concatenated. The progress columns (history, baseline or waivers) come
/// last, so that the earlier columns keep their positions; without progress their cells are empty.
/// RFC 4180 quoting, UTF-8, lines end in LF. Text cells that a spreadsheet would read as a formula
/// are prefixed with `'` (DESIGN §8); numeric columns hold only numbers we wrote ourselves and are
/// never prefixed.
public struct CSVReporter: Reporter {
    public init() {}

    /// The files in the order they are written, with their columns.
    public static let columns: [(file: String, columns: [String])] = [
        ("findings.csv", ["agency_id", "finding_id", "standard", "requirement", "status", "severity", "grading_cell",
                          "claim_contradicted", "verified", "workers_affected", "workers_assessed", "workers_remedied",
                          "workers_unclassified", "message", "citation", "evidence_file", "evidence_line", "change", "waived"]),
        ("actions.csv", ["agency_id", "action_id", "kind", "standard", "requirement", "severity", "title", "owner",
                         "due_date", "score_gain", "steps", "evidence_to_close", "citation", "state", "overdue", "first_detected",
                         "waived"]),
        ("reimbursements.csv", ["agency_id", "worker_id", "employer", "record_file", "record_line", "record_id", "category",
                                "paid_on", "amount_paid", "amount_owed", "currency", "payer", "due_date", "requirements"]),
        ("rejections.csv", ["agency_id", "file", "line", "reason"]),
        ("waivers.csv", ["agency_id", "standard", "requirement", "scope_workers", "scope_destinations", "expires", "status",
                         "applied", "approver", "reason"]),
    ]

    /// A cell is text (neutralised against formula injection) or a number we produced.
    enum Cell: Equatable {
        case text(String)
        case number(String)
        static func int(_ value: Int) -> Cell { .number(String(value)) }
        static func yesNo(_ value: Bool) -> Cell { .text(value ? "yes" : "no") }
        static func optional(_ value: String?) -> Cell { .text(value ?? "") }
    }

    public func files(for report: AuditReport) -> [ReportFile] {
        let rows = [findings(report), actions(report), reimbursements(report), rejections(report), waivers(report)]
        return zip(Self.columns, rows).map { table, rows in
            ReportFile(name: table.file, contents: Self.csv(header: table.columns, rows: rows))
        }
    }

    /// With progress, the previous audit's findings now fixed follow the current ones (as the JSON
    /// lists them: as they were found, with their check's status now).
    func findings(_ report: AuditReport) -> [[Cell]] {
        let agency = Cell.text(report.result.agencyID)
        let progress = report.result.progress
        return (report.result.findings + (progress?.fixedFindings ?? [])).flatMap { f -> [[Cell]] in
            let common: [Cell] = [
                agency, .text(f.id), .text(f.standard), .text(f.requirement), .text(f.status.rawValue), .text(f.severity.rawValue),
                .optional(f.gradingCell), .yesNo(f.claimContradicted), .yesNo(f.verified), .int(f.workersAffected),
                .int(f.workersAssessed), .int(f.workersRemedied), .int(f.workersUnclassified), .text(f.message), .optional(f.citation),
            ]
            let tracked: [Cell] = progress == nil ? [.text(""), .text("")] : [.optional(f.change?.rawValue), .yesNo(f.waived)]
            // One row per evidence location, so that none is lost; a finding without evidence still has its row.
            if f.evidence.isEmpty { return [common + [.text(""), .number("")] + tracked] }
            return f.evidence.map { common + [.text($0.file), .int($0.line)] + tracked }
        }
    }

    func actions(_ report: AuditReport) -> [[Cell]] {
        let tracked = report.result.progress != nil
        return report.result.actions.map { a in
            [
                .text(report.result.agencyID), .text(a.id), .text(Format.kind(a.kind)), .text(a.standard), .text(a.requirement),
                .text(a.severity.rawValue), .text(a.title), .text(a.owner.rawValue), .text(a.dueDate.description),
                .number(a.scoreGainTenths.map { Format.tenths($0).description } ?? ""), .text(a.steps), .text(a.evidence),
                .optional(a.citation),
            ] + (tracked ? [.text(a.state.rawValue), .yesNo(a.overdue), .text(a.firstDetected.description), .yesNo(a.waived)]
                         : [.text(""), .text(""), .text(""), .text("")])
        }
    }

    /// One row per record owed, at the largest amount any check owes for it: the sum of
    /// `amount_owed` per currency is the report's `reimbursementsDue`.
    func reimbursements(_ report: AuditReport) -> [[Cell]] {
        report.result.owedRecords.map { owed in
            let r = owed.record
            return [
                .text(report.result.agencyID), .text(r.workerID), .optional(r.employer), .text(r.location.file), .int(r.location.line),
                .optional(r.recordID), .text(r.category), .text(r.paidOn.description), .number(r.amount.description),
                .number(owed.amount.description), .text(r.currency), .text(owed.payer.rawValue), .text(owed.dueDate.description),
                .text(owed.requirements.joined(separator: " ")),
            ]
        }
    }

    func rejections(_ report: AuditReport) -> [[Cell]] {
        report.inputs.flatMap { input in
            input.rejections.map { [.text(report.result.agencyID), .text(input.file), .int($0.line), .text($0.reason)] }
        }
    }

    /// Every waiver given for the agency and what became of it (`applied`, `expired`, `not_audited`,
    /// `critical_not_allowed`); a header only without `--waivers`. Scope lists are space-separated,
    /// empty for a waiver of the whole requirement.
    func waivers(_ report: AuditReport) -> [[Cell]] {
        (report.result.progress?.waivers ?? []).map { outcome in
            let w = outcome.waiver
            return [
                .text(report.result.agencyID), .text(w.standard), .text(w.requirement), .text(w.workers.joined(separator: " ")),
                .text(w.destinations.joined(separator: " ")), .text(w.expires.description), .text(outcome.status.rawValue),
                .yesNo(outcome.applied), .text(w.approver), .text(w.reason),
            ]
        }
    }

    static func csv(header: [String], rows: [[Cell]]) -> String {
        var out = header.joined(separator: ",") + "\n"
        for row in rows { out += row.map(field).joined(separator: ",") + "\n" }
        return out
    }

    /// One field: text neutralised, then quoted when it holds a comma, a quote or a line break.
    static func field(_ cell: Cell) -> String {
        let text: String
        switch cell {
        case .number(let number): text = number
        case .text(let value): text = neutralised(value)
        }
        // Unicode scalars, not Characters: "\r\n" is one Character and would hide both.
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A text cell that a spreadsheet would start to evaluate (`=`, `+`, `-`, `@`, tab, carriage
    /// return) gets a leading `'`, which spreadsheets show as text (DESIGN §8).
    static func neutralised(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) else { return text }
        return "'" + text
    }
}
