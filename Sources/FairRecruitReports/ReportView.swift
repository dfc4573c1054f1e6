import FairRecruitCore
import Mustache

/// What `report.html.mustache` renders: plain structs of text already formatted, flags, lists,
/// and chart geometry computed here (templates have no arithmetic). Field names are the template
/// interface, listed in Templates/README.md.
///
/// Input-derived text stays raw here: Mustache's `{{ }}` escapes it for HTML, so templates must
/// never use `{{{ }}}` or `{{& }}`. An optional field that is nil makes Mustache look for the same
/// name in the enclosing objects, so optional fields have names used nowhere else in the model.
struct ReportView {
    struct Agency { let id: String; let name: String? }
    struct Money { let amount: String; let currency: String }
    struct Summary {
        let score: String
        let rating: String
        /// `a`…`e` or `nr`, for CSS classes.
        let ratingClass: String
        let coverage: String
        let due: [Money]
        let findingsCount: Int
        let actionsCount: Int
    }
    struct StandardRow {
        let id, title, version, publisher, score, rating, ratingClass, coverage, sha256: String
    }
    struct PrincipleBar {
        let standard, title, score, coverage: String
        let hasScore: Bool
        /// Bar length in a 0–1000 view box: the score in tenths.
        let width: Int
        /// The letter the score earns, lowercase, for the bar's colour.
        let band: String
    }
    struct RequirementRow {
        let key, title, severity, weight, status, statusClass: String
        let flags: String?
    }
    struct StatusBar {
        let label, statusClass: String
        let count, labelX, x, y, textY, barWidth, countX: Int
    }
    struct StatusChart {
        let width, height: Int
        let bars: [StatusBar]
    }
    struct Location { let file: String; let line: Int }
    struct AnswerNote {
        let question, value: String
        let answerEvidence, answerComment: String?
        let answerLocation: String
    }
    struct FindingCard {
        let id, severity, status, statusClass, requirementTitle, message: String
        let workers, gradingCell, citation: String?
        let claimContradicted, unverified: Bool
        /// With progress: `new`, `regressed` or `unchanged` (also the CSS class suffix).
        let findingChange: String?
        /// With progress, for a finding about workers: how its workers changed since the previous audit.
        let changeWorkers: String?
        let findingWaived: Bool
        let answers: [AnswerNote]
        let locations: [Location]
        /// Locations beyond the first `AuditReport.maxEvidence` (all are in findings.csv).
        let moreLocations: Int?
    }
    struct ActionRow {
        let id, kind, title, severity, due, owner, gain, steps: String
        let closeEvidence, actionCitation: String?
        /// Shown when the report is `tracked`: state as words and as a CSS class suffix, first detection.
        let state, stateClass, firstDetected: String
        let overdue, actionWaived: Bool
    }
    /// A finding of the previous audit that no longer fails, with the status its check has now.
    struct FixedFinding {
        let id, severity, requirementTitle, message, nowStatus, nowStatusClass: String
    }
    /// The audit compared with (history or baseline) and how the headline figures moved since.
    struct Comparison {
        let previousAsOf, previousScore, previousRating, previousRatingClass: String
        let currentScore, currentRating, currentRatingClass: String
        /// `+1.5`, `-3.3`, `+0.0`, or a dash when either score is missing.
        let scoreChange: String
        /// `up`, `down`, `same` or `none` (a score missing), for CSS.
        let direction: String
    }
    struct WaiverRow {
        let requirement, agency, scope, expires, reason, approver: String
        /// `applied`, `expired`, `not audited`, `critical not allowed`, and the raw value for CSS.
        let waiverStatus, waiverStatusClass: String
        let applied: Bool
    }
    /// What a history, baseline or waivers add at the top of the report.
    struct Progress {
        let comparison: Comparison?
        let withoutWaiversScore, withoutWaiversRating, withoutWaiversRatingClass: String
        let newCount, regressedCount, unchangedCount, fixedCount, overdueCount: Int
        let waivers: [WaiverRow]
    }
    /// One per fee record owed: a million for the largest agencies, so it names its fields to the
    /// template itself (``child(named:)``) rather than through reflection.
    struct ScheduleRow: MustacheParent {
        let worker, record, category, paidOn, amount, currency, payer, due, requirements: String
        let employer, recordID: String?

        /// What reflection would find: each field by name, nil for a nil optional or another name.
        /// Measured: an audit of 1M fee records with --format html took 95 s of CPU with Mirror
        /// lookups (most of it here), 28 s this way; report.html byte-identical.
        func child(named name: String) -> Any? {
            switch name {
            case "worker": worker
            case "record": record
            case "category": category
            case "paidOn": paidOn
            case "amount": amount
            case "currency": currency
            case "payer": payer
            case "due": due
            case "requirements": requirements
            case "employer": employer
            case "recordID": recordID
            default: nil
            }
        }
    }
    struct PendingRow { let worker, amount, currency, due, requirement, pendingLocation: String }
    struct HistogramBin {
        let label: String
        let count, x, y, width, height, labelX, labelY, countY: Int
    }
    struct Histogram {
        let width, height, baseline, axisStart, axisEnd, midX, titleY: Int
        let bins: [HistogramBin]
    }
    struct Costs {
        let records, workers, workersCharged, denominator, withoutWage: Int
        let workerBorne: [Money]
        let mean, median: String
        let countedFromRecords: Bool
        /// False when no worker has a wage: there is nothing to chart.
        let hasRatios: Bool
        let histogram: Histogram
    }
    struct InputRow { let file, format: String; let read, accepted, rejected, other: Int }
    struct Rejection { let line: Int; let reason: String }
    struct RejectedFile { let file: String; let rows: [Rejection]; let moreRejections: Int? }
    struct Note { let noteLocation, code, message: String }

    let agency: Agency
    let asOf: String
    let toolVersion: String
    let summary: Summary
    let standards: [StandardRow]
    let principles: [PrincipleBar]
    let statusChart: StatusChart
    let requirements: [RequirementRow]
    let findings: [FindingCard]
    let actions: [ActionRow]
    /// Present with `--history`, `--baseline` or `--waivers`.
    let progress: Progress?
    /// True when `progress` is present: the action table shows state and first detection.
    let tracked: Bool
    /// Previous findings no longer failing (empty without progress).
    let fixedFindings: [FixedFinding]
    let schedule: [ScheduleRow]
    let pending: [PendingRow]
    let costs: Costs
    let inputs: [InputRow]
    /// In a batch limited by `--employer`: how many of the other rows were at other workplaces.
    let employerRowsNote: String?
    let rejectedFiles: [RejectedFile]
    let notes: [Note]

    init(_ report: AuditReport) {
        let r = report.result
        let overall = r.overall
        agency = Agency(id: r.agencyID, name: report.agencyName)
        asOf = r.asOf.description
        toolVersion = report.toolVersion
        summary = Summary(score: Format.score(overall.score), rating: overall.rating, ratingClass: overall.rating.lowercased(),
                          coverage: Self.percent(overall), due: Self.money(r.reimbursementsDue),
                          findingsCount: r.findings.count, actionsCount: r.actions.count)
        standards = r.standards.map { standard in
            let s = r.summary(standard: standard.id)
            return StandardRow(id: standard.id, title: standard.title, version: standard.version, publisher: standard.publisher,
                               score: Format.score(s.score), rating: s.rating, ratingClass: s.rating.lowercased(),
                               coverage: Self.percent(s), sha256: standard.sha256)
        }
        principles = r.standards.flatMap { standard in
            standard.principles.map { principle in
                let s = r.summary(standard: standard.id, principle: principle.id)
                return PrincipleBar(standard: standard.id, title: principle.title, score: Format.score(s.score),
                                    coverage: Self.percent(s), hasScore: s.scoreTenths != nil, width: s.scoreTenths ?? 0,
                                    band: s.scoreTenths.map { ScoreSummary.letter(scoreTenths: $0).lowercased() } ?? "nr")
            }
        }
        statusChart = Self.statusChart(r.requirements.map(\.status))
        requirements = r.requirements.map { req in
            let flags = [req.claimContradicted ? "claim contradicted" : nil, req.waiver == nil ? nil : "waived",
                         req.requirement.verified ? nil : "unverified"].compactMap { $0 }
            return RequirementRow(key: "\(req.standard)/\(req.requirement.id)", title: req.requirement.title,
                                  severity: req.severity.rawValue, weight: String(req.requirement.weight),
                                  status: Format.status(req.status), statusClass: req.status.rawValue,
                                  flags: flags.isEmpty ? nil : flags.joined(separator: ", "))
        }
        findings = Self.findings(report)
        actions = r.actions.map { a in
            ActionRow(id: a.id, kind: Format.kind(a.kind), title: a.title, severity: a.severity.rawValue, due: a.dueDate.description,
                      owner: a.owner.rawValue, gain: Format.gain(a.scoreGainTenths), steps: a.steps,
                      closeEvidence: a.evidence.isEmpty ? nil : a.evidence, actionCitation: a.citation,
                      state: Format.words(a.state.rawValue), stateClass: a.state.rawValue, firstDetected: a.firstDetected.description,
                      overdue: a.overdue, actionWaived: a.waived)
        }
        progress = r.progress.map { Self.progress($0, of: r) }
        tracked = r.progress != nil
        let titles = Self.titles(r)
        fixedFindings = (r.progress?.fixedFindings ?? []).map { f in
            FixedFinding(id: f.id, severity: f.severity.rawValue, requirementTitle: titles["\(f.standard)/\(f.requirement)"] ?? f.requirement,
                         message: Format.sentence(f.message), nowStatus: Format.status(f.status), nowStatusClass: f.status.rawValue)
        }
        schedule = r.owedRecords.map { owed in
            let record = r.records[owed.record]
            return ScheduleRow(worker: record.workerID, record: "\(record.location.file):\(record.location.line)",
                               category: record.category, paidOn: record.paidOn.description, amount: Format.amount(owed.amount),
                               currency: record.currency, payer: owed.payer.rawValue, due: owed.dueDate.description,
                               requirements: owed.requirements.joined(separator: ", "), employer: record.employer,
                               recordID: record.recordID)
        }
        pending = r.pendingRefunds.map { p in
            PendingRow(worker: p.workerID, amount: Format.amount(p.amount), currency: p.currency, due: p.dueDate.description,
                       requirement: "\(p.standard)/\(p.requirement)", pendingLocation: "\(p.location.file):\(p.location.line)")
        }
        let fees = r.fees
        costs = Costs(records: fees.records, workers: fees.workers, workersCharged: fees.workersCharged,
                      denominator: fees.denominator, withoutWage: fees.workersWithoutWage, workerBorne: Self.money(fees.workerBorne),
                      mean: Format.months(fees.costToWageMean), median: Format.months(fees.costToWageMedian),
                      countedFromRecords: r.workersFromRecords, hasRatios: !fees.costToWage.isEmpty, histogram: Self.histogram(fees.costToWage))
        inputs = report.inputs.map { i in
            InputRow(file: i.file, format: i.format, read: i.rowsRead, accepted: i.rowsAccepted, rejected: i.rowsRejected,
                     other: i.rowsOtherAgency)
        }
        employerRowsNote = Self.otherEmployerNote(report.inputs)
        rejectedFiles = report.inputs.filter { !$0.rejections.isEmpty }.map { i in
            RejectedFile(file: i.file, rows: i.rejections.prefix(AuditReport.maxRejections).map { Rejection(line: $0.line, reason: $0.reason) },
                         moreRejections: i.rejections.count > AuditReport.maxRejections ? i.rejections.count - AuditReport.maxRejections : nil)
        }
        notes = report.dataQuality.map { Note(noteLocation: "\($0.location.file):\($0.location.line)", code: $0.code, message: $0.message) }
    }

    static func progress(_ progress: AuditProgress, of r: AuditResult) -> Progress {
        let overall = r.overall, without = r.overallWithoutWaivers
        let comparison = progress.previous.map { previous in
            let change = progress.scoreChange(overall.score)
            return Comparison(previousAsOf: previous.asOf.description, previousScore: Format.score(previous.score),
                              previousRating: previous.rating, previousRatingClass: Format.ratingClass(previous.rating),
                              currentScore: Format.score(overall.score), currentRating: overall.rating,
                              currentRatingClass: Format.ratingClass(overall.rating), scoreChange: Format.scoreChange(change),
                              direction: change.map { $0.isNegative ? "down" : $0 == .zero ? "same" : "up" } ?? "none")
        }
        let tally = (r.findings + progress.fixedFindings).changeTally
        let waivers = progress.waivers.map { outcome in
            let w = outcome.waiver
            let scope = w.isScoped
                ? [w.workers.isEmpty ? nil : "workers " + w.workers.joined(separator: ", "),
                   w.destinations.isEmpty ? nil : "to " + w.destinations.joined(separator: ", ")].compactMap { $0 }.joined(separator: "; ")
                : "whole requirement"
            return WaiverRow(requirement: "\(w.standard)/\(w.requirement)", agency: w.agency, scope: scope, expires: w.expires.description,
                             reason: w.reason, approver: w.approver, waiverStatus: Format.words(outcome.status.rawValue),
                             waiverStatusClass: outcome.status.rawValue, applied: outcome.applied)
        }
        return Progress(comparison: comparison, withoutWaiversScore: Format.score(without.score), withoutWaiversRating: without.rating,
                        withoutWaiversRatingClass: Format.ratingClass(without.rating), newCount: tally[.new] ?? 0,
                        regressedCount: tally[.regressed] ?? 0, unchangedCount: tally[.unchanged] ?? 0, fixedCount: tally[.fixed] ?? 0,
                        overdueCount: r.actions.filter(\.overdue).count, waivers: waivers)
    }

    /// Requirement titles by `standard/requirement`.
    static func titles(_ r: AuditResult) -> [String: String] {
        var titles: [String: String] = [:]
        for req in r.requirements { titles["\(req.standard)/\(req.requirement.id)"] = req.requirement.title }
        return titles
    }

    static func findings(_ report: AuditReport) -> [FindingCard] {
        let r = report.result
        let titles = titles(r)
        // A question's finding cites the answer's row: show what the agency wrote with it.
        var answers: [SourceLocation: Answer] = [:]
        for answer in report.answers { answers[answer.location] = answer }
        return r.findings.map { f in
            let workers = (f.workersAssessed > 0 || f.workersAffected > 0)
                ? "Workers: \(f.workersAffected) affected, \(f.workersRemedied) remedied in time, \(f.workersAssessed) assessed"
                    + (f.workersUnclassified > 0 ? ", \(f.workersUnclassified) not assessed." : ".")
                : nil
            let notes = f.evidence.compactMap { answers[$0] }.map { a in
                AnswerNote(question: a.questionID, value: a.value, answerEvidence: a.evidence, answerComment: a.comment,
                           answerLocation: "\(a.location.file):\(a.location.line)")
            }
            let shown = f.evidence.prefix(AuditReport.maxEvidence).map { Location(file: $0.file, line: $0.line) }
            return FindingCard(id: f.id, severity: f.severity.rawValue, status: Format.status(f.status), statusClass: f.status.rawValue,
                               requirementTitle: titles["\(f.standard)/\(f.requirement)"] ?? f.requirement,
                               message: Format.sentence(f.message), workers: workers, gradingCell: f.gradingCell,
                               citation: f.citation, claimContradicted: f.claimContradicted, unverified: !f.verified,
                               findingChange: f.change?.rawValue,
                               changeWorkers: f.changeCounts.flatMap { f.workers.isEmpty ? nil : "Since the previous audit: \(Format.changeCounts($0)) worker(s)." },
                               findingWaived: f.waived,
                               answers: notes, locations: Array(shown),
                               moreLocations: f.evidence.count > shown.count ? f.evidence.count - shown.count : nil)
        }
    }

    /// With `batch --employer`, the "other" rows of a fee file include those at other workplaces: say how many.
    static func otherEmployerNote(_ inputs: [InputReport]) -> String? {
        let counted = inputs.compactMap { i in i.rowsOtherEmployer.map { "\(i.file): \($0)" } }
        return counted.isEmpty ? nil : "Rows at workplaces outside the batch's --employer list, counted among the other rows: " + counted.joined(separator: "; ") + "."
    }

    static func money(_ totals: [(currency: String, amount: ExactDecimal)]) -> [Money] {
        totals.map { Money(amount: Format.amount($0.amount), currency: $0.currency) }
    }

    /// Coverage as a percentage with one decimal (`87.5 %`), or a dash when nothing applies.
    static func percent(_ summary: ScoreSummary) -> String {
        summary.coverageThousandths.map { Format.tenths($0).formatted(minimumFractionDigits: 1) + " %" } ?? "—"
    }

    /// Horizontal bars, one per status, in a fixed 460-wide view box (narrow enough that its text
    /// stays readable when a phone shrinks it); lengths in whole units, so output is byte-stable.
    static func statusChart(_ statuses: [Status]) -> StatusChart {
        let barX = 130, barSpace = 280, rowHeight = 34
        let order: [Status] = [.met, .partiallyMet, .notMet, .notAssessed, .notApplicable]
        let counts = order.map { status in statuses.filter { $0 == status }.count }
        let largest = max(counts.max() ?? 0, 1)
        let bars = zip(order, counts).enumerated().map { row, item in
            let width = item.1 * barSpace / largest
            return StatusBar(label: Format.status(item.0), statusClass: item.0.rawValue, count: item.1, labelX: barX - 10,
                             x: barX, y: 8 + row * rowHeight, textY: 8 + row * rowHeight + 17, barWidth: width,
                             countX: barX + width + 8)
        }
        return StatusChart(width: 460, height: 8 + order.count * rowHeight, bars: bars)
    }

    /// Bins of the cost-to-wage histogram, in months of wage: nothing paid, then up to 0.5, 1, 2,
    /// 3, 6 and more. Fixed bins keep charts of different agencies comparable.
    static let bins: [(label: String, upTo: ExactDecimal?)] = [
        ("0", .zero), ("≤ 0.5", ExactDecimal(scaled: 500_000)), ("0.5–1", ExactDecimal(1)), ("1–2", ExactDecimal(2)),
        ("2–3", ExactDecimal(3)), ("3–6", ExactDecimal(6)), ("> 6", nil),
    ]

    static func histogram(_ ratios: [ExactDecimal]) -> Histogram {
        var counts = Array(repeating: 0, count: bins.count)
        for ratio in ratios {
            let bin = bins.firstIndex { $0.upTo.map { ratio <= $0 } ?? true }!
            counts[bin] += 1
        }
        let left = 20, slot = 60, barWidth = 46, top = 24, plotHeight = 150
        let baseline = top + plotHeight
        let largest = max(counts.max() ?? 0, 1)
        let result = counts.enumerated().map { i, count in
            let height = count * plotHeight / largest
            let x = left + i * slot + (slot - barWidth) / 2
            return HistogramBin(label: bins[i].label, count: count, x: x, y: baseline - height, width: barWidth, height: height,
                                labelX: x + barWidth / 2, labelY: baseline + 20, countY: baseline - height - 6)
        }
        let width = left * 2 + slot * bins.count
        return Histogram(width: width, height: baseline + 50, baseline: baseline, axisStart: left, axisEnd: width - left,
                         midX: width / 2, titleY: baseline + 44, bins: result)
    }
}
