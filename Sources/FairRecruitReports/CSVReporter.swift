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
        /// An amount or a date, formatted in place: reimbursements.csv has four on each fee record's row.
        case decimal(ExactDecimal)
        case date(Day)
        static func int(_ value: Int) -> Cell { .number(String(value)) }
        static func yesNo(_ value: Bool) -> Cell { .text(value ? "yes" : "no") }
        static func optional(_ value: String?) -> Cell { .text(value ?? "") }
    }

    public func files(for report: AuditReport) -> [ReportFile] {
        let writers = [findings, actions, reimbursements, rejections, waivers]
        return zip(Self.columns, writers).map { table, write in
            var csv = CSVTable(header: table.columns)
            write(report, &csv)
            return ReportFile(name: table.file, bytes: csv.finish())
        }
    }

    /// With progress, the previous audit's findings now fixed follow the current ones (as the JSON
    /// lists them: as they were found, with their check's status now).
    func findings(_ report: AuditReport, into csv: inout CSVTable) {
        let agency = Cell.text(report.result.agencyID)
        let progress = report.result.progress
        for f in report.result.findings + (progress?.fixedFindings ?? []) {
            let common: [Cell] = [
                agency, .text(f.id), .text(f.standard), .text(f.requirement), .text(f.status.rawValue), .text(f.severity.rawValue),
                .optional(f.gradingCell), .yesNo(f.claimContradicted), .yesNo(f.verified), .int(f.workersAffected),
                .int(f.workersAssessed), .int(f.workersRemedied), .int(f.workersUnclassified), .text(f.message), .optional(f.citation),
            ]
            let tracked: [Cell] = progress == nil ? [.text(""), .text("")] : [.optional(f.change?.rawValue), .yesNo(f.waived)]
            // One row per evidence location, so that none is lost; a finding without evidence still has its row.
            if f.evidence.isEmpty { csv.row(common + [.text(""), .number("")] + tracked) }
            csv.rows(first: common, varying: f.evidence.lazy.map { [.text($0.file), .int($0.line)] }, last: tracked)
        }
    }

    func actions(_ report: AuditReport, into csv: inout CSVTable) {
        let tracked = report.result.progress != nil
        for a in report.result.actions {
            csv.row([
                .text(report.result.agencyID), .text(a.id), .text(Format.kind(a.kind)), .text(a.standard), .text(a.requirement),
                .text(a.severity.rawValue), .text(a.title), .text(a.owner.rawValue), .text(a.dueDate.description),
                .number(a.scoreGainTenths.map { Format.tenths($0).description } ?? ""), .text(a.steps), .text(a.evidence),
                .optional(a.citation),
            ] + (tracked ? [.text(a.state.rawValue), .yesNo(a.overdue), .text(a.firstDetected.description), .yesNo(a.waived)]
                         : [.text(""), .text(""), .text(""), .text("")]))
        }
    }

    /// One row per record owed, at the largest amount any check owes for it: the sum of
    /// `amount_owed` per currency is the report's `reimbursementsDue`.
    func reimbursements(_ report: AuditReport, into csv: inout CSVTable) {
        for owed in report.result.owedRecords {
            let r = report.result.records[owed.record]
            csv.row([
                .text(report.result.agencyID), .text(r.workerID), .optional(r.employer), .text(r.location.file), .int(r.location.line),
                .optional(r.recordID), .text(r.category), .date(r.paidOn), .decimal(r.amount),
                .decimal(owed.amount), .text(r.currency), .text(owed.payer.rawValue), .date(owed.dueDate),
                .text(owed.requirements.joined(separator: " ")),
            ])
        }
    }

    func rejections(_ report: AuditReport, into csv: inout CSVTable) {
        for input in report.inputs {
            for rejection in input.rejections {
                csv.row([.text(report.result.agencyID), .text(input.file), .int(rejection.line), .text(rejection.reason)])
            }
        }
    }

    /// Every waiver given for the agency and what became of it (`applied`, `expired`, `not_audited`,
    /// `critical_not_allowed`); a header only without `--waivers`. Scope lists are space-separated,
    /// empty for a waiver of the whole requirement.
    func waivers(_ report: AuditReport, into csv: inout CSVTable) {
        for outcome in report.result.progress?.waivers ?? [] {
            let w = outcome.waiver
            csv.row([
                .text(report.result.agencyID), .text(w.standard), .text(w.requirement), .text(w.workers.joined(separator: " ")),
                .text(w.destinations.joined(separator: " ")), .text(w.expires.description), .text(outcome.status.rawValue),
                .yesNo(outcome.applied), .text(w.approver), .text(w.reason),
            ])
        }
    }

    /// A whole table, for the tables that are small (the portfolio's).
    static func csv(header: [String], rows: [[Cell]]) -> [UInt8] {
        var csv = CSVTable(header: header)
        for row in rows { csv.row(row) }
        return csv.finish()
    }

    /// One field as it is written.
    static func field(_ cell: Cell) -> String {
        var out = OutputBuffer()
        out.append(field: cell)
        return String(decoding: out.finish(), as: UTF8.self)
    }

    /// A text cell that a spreadsheet would start to evaluate (`=`, `+`, `-`, `@`, tab, carriage
    /// return) gets a leading `'`, which spreadsheets show as text (DESIGN §8).
    static func neutralised(_ text: String) -> String {
        needsNeutralising(text) ? "'" + text : text
    }

    static func needsNeutralising(_ text: String) -> Bool {
        guard let first = text.utf8.first else { return false }
        return first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: "@")
            || first == UInt8(ascii: "\t") || first == UInt8(ascii: "\r")
    }
}

/// A CSV file written row by row straight into bytes: reimbursements.csv has a row per fee record.
struct CSVTable: ~Copyable {
    private var output = OutputBuffer()

    init(header: [String]) { output.line(header.joined(separator: ",")) }

    /// The file's bytes.
    consuming func finish() -> [UInt8] { output.finish() }

    mutating func row(_ cells: [CSVReporter.Cell]) {
        output.append(fields: cells)
        output.line()
    }

    /// Rows that share their first and last cells (a finding's, on each of its evidence
    /// locations): those are written once and copied onto every row.
    mutating func rows<Varying: Sequence>(first: [CSVReporter.Cell], varying: Varying, last: [CSVReporter.Cell])
    where Varying.Element == [CSVReporter.Cell] {
        var head = OutputBuffer(), tail = OutputBuffer()
        head.append(fields: first)
        tail.append(fields: last)
        for cells in varying {
            output.append(head)
            if !first.isEmpty, !cells.isEmpty { output.append(byte: UInt8(ascii: ",")) }
            output.append(fields: cells)
            if !first.isEmpty || !cells.isEmpty, !last.isEmpty { output.append(byte: UInt8(ascii: ",")) }
            output.append(tail)
            output.line()
        }
    }
}

extension OutputBuffer {
    /// Fields separated by commas.
    mutating func append(fields cells: [CSVReporter.Cell]) {
        for (i, cell) in cells.enumerated() {
            if i > 0 { append(byte: UInt8(ascii: ",")) }
            append(field: cell)
        }
    }

    /// One field: text neutralised, then quoted when it holds a comma, a quote or a line break.
    mutating func append(field cell: CSVReporter.Cell) {
        let text: String, neutralised: Bool
        switch cell {
        // Digits, a point, a minus sign, dashes: never quoted nor neutralised (a date starts with its year's digits).
        case .decimal(let value): append(value); return
        case .date(let day): append(day); return
        case .number(let number): (text, neutralised) = (number, false)
        case .text(let value): (text, neutralised) = (value, CSVReporter.needsNeutralising(value))
        }
        // Bytes, not Characters: "\r\n" is one Character and would hide both.
        let quoted = text.utf8.contains {
            $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r")
        }
        if quoted { append(byte: UInt8(ascii: "\"")) }
        if neutralised { append(byte: UInt8(ascii: "'")) }
        append(quoted ? text.replacingOccurrences(of: "\"", with: "\"\"") : text)
        if quoted { append(byte: UInt8(ascii: "\"")) }
    }
}
