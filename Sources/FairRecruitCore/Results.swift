/// Outcome of a requirement or a single check.
public enum Status: String, Sendable, Hashable, CaseIterable {
    case met, partiallyMet = "partially_met", notMet = "not_met", notApplicable = "not_applicable", notAssessed = "not_assessed"

    /// Points toward the score; nil where the status is excluded from scoring.
    public var points: Int? { // in halves, to keep the arithmetic exact
        switch self { case .met: 2; case .partiallyMet: 1; case .notMet: 0; case .notApplicable, .notAssessed: nil }
    }
    public var isFailing: Bool { self == .notMet || self == .partiallyMet }
}

/// Money owed to one worker for one record under one check.
public struct Owed: Sendable, Hashable {
    public var record: Int           // index into the audit's records
    public var amount: ExactDecimal  // in the record's currency
}

/// A worker-borne payment whose refund is not yet due (rule `refund_within_days`).
public struct PendingRefund: Sendable, Hashable {
    public var standard: String
    public var requirement: String
    public var workerID: String
    public var amount: ExactDecimal
    public var currency: String
    public var dueDate: Day
    public var location: SourceLocation
}

/// The outcome of one check of one requirement.
public struct CheckResult: Sendable, Hashable {
    public var index: Int                 // 1-based position in the requirement's checks
    public var status: Status
    public var isFeeCheck: Bool
    public var message: String
    public var workersAssessed = 0
    public var workersAffected = 0
    public var workersRemedied = 0
    public var workersUnclassified = 0
    public var workersWithoutWage = 0
    public var evidence: [SourceLocation] = []
    public var owed: [Owed] = []
    public var gradedSeverity: Severity?
    public var gradingCell: String?
    public var claimContradicted = false
    /// What to supply when the check is not assessed (question ids or a description of records).
    public var missing: [String] = []
    /// Fee checks: the workers whose records are the evidence of a failing check (breaches,
    /// including those remedied in time), sorted. They give the finding its fingerprints.
    public var workers: [String] = []
}

public struct RequirementResult: Sendable, Hashable {
    public var standard: String
    public var requirement: Requirement
    public var status: Status
    public var severity: Severity          // graded where grading applied, else declared
    public var checks: [CheckResult]
    public var claimContradicted: Bool { checks.contains { $0.claimContradicted } }
    public var deadlineDays: Int { requirement.deadlineDays ?? severity.defaultDeadlineDays }

    /// What the requirement owes per record, in record order: two of its checks (or two placements
    /// of one) may owe the same record, and then it counts once, at the larger amount.
    var owedPerRecord: [Owed] {
        var largest = checks.flatMap(\.owed)
        largest.sort { $0.record < $1.record }
        // Merged in place: `kept` entries are done.
        var kept = 0
        for i in largest.indices {
            let owed = largest[i]
            if kept > 0 && largest[kept - 1].record == owed.record {
                largest[kept - 1].amount = largest[kept - 1].amount.max(owed.amount)
            } else {
                largest[kept] = owed
                kept += 1
            }
        }
        largest.removeLast(largest.count - kept)
        return largest
    }
    /// How waivers in force change the scoring of this requirement; nil when none applies.
    public var waiver: WaiverEffect? = nil

    /// The status and severity the score counts: as evaluated, or as left by a waiver.
    public var scored: (status: Status, severity: Severity) {
        switch waiver {
        case nil: (status, severity)
        case .excluded: (.notApplicable, severity)
        case .rescored(let status, let severity, _): (status, severity)
        }
    }

    /// Whether check `index` still fails once waivers apply.
    public func failsUnderWaivers(check index: Int) -> Bool {
        switch waiver {
        case nil: checks.first { $0.index == index }?.status.isFailing ?? false
        case .excluded: false
        case .rescored(_, _, let failing): failing.contains(index)
        }
    }
}

/// What waivers do to one requirement's score.
public enum WaiverEffect: Sendable, Hashable {
    /// A waiver covers the whole requirement: left out of the score, like one that does not apply.
    case excluded
    /// Scoped waivers: the requirement evaluated again without the placements they cover.
    case rescored(status: Status, severity: Severity, failingChecks: Set<Int>)
}

/// A score as the report shows it: rounded figures, and the exact parts they came from.
public struct ScoreSummary: Sendable, Hashable {
    /// Σ weight × points (in halves) and Σ weight over assessed requirements.
    public var earnedHalves: Int
    public var assessedWeight: Int
    public var applicableWeight: Int
    public var criticalNotMet: Bool

    /// Score ×10, rounded half up (e.g. 875 for 87.5); nil when nothing was assessed.
    public var scoreTenths: Int? {
        guard assessedWeight > 0 else { return nil }
        // 100 × earned/2 / W to one decimal: ×10 → 500·earned/W, half up.
        return (1000 * earnedHalves + assessedWeight) / (2 * assessedWeight)
    }
    public var score: ExactDecimal? { scoreTenths.map { ExactDecimal(scaled: Int128($0) * 100_000) } }

    /// Coverage ×1000, rounded half up; nil when nothing applies.
    public var coverageThousandths: Int? {
        guard applicableWeight > 0 else { return nil }
        return (2000 * assessedWeight + applicableWeight) / (2 * applicableWeight)
    }
    public var coverage: ExactDecimal? { coverageThousandths.map { ExactDecimal(scaled: Int128($0) * 1000) } }

    /// The letter a score alone earns (A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, else E), before the
    /// critical-requirement cap and the coverage rule; charts colour scores by it.
    public static func letter(scoreTenths tenths: Int) -> String {
        tenths >= 900 ? "A" : tenths >= 750 ? "B" : tenths >= 600 ? "C" : tenths >= 400 ? "D" : "E"
    }

    public var rating: String {
        let letter = scoreTenths.map(Self.letter) ?? "NR"
        if criticalNotMet { return (letter == "E") ? "E" : "D" }
        if letter == "NR" || (coverageThousandths ?? 0) < 800 { return "NR" }
        return letter
    }

    /// - Parameter applyingWaivers: false for the score as if no waiver existed.
    public init(_ results: [RequirementResult], applyingWaivers: Bool = true) {
        var earned = 0, assessed = 0, applicable = 0
        var critical = false
        for result in results {
            let weight = result.requirement.weight
            let (status, severity) = applyingWaivers ? result.scored : (result.status, result.severity)
            if status != .notApplicable { applicable += weight }
            if let points = status.points {
                assessed += weight
                earned += weight * points
            }
            if status == .notMet && severity == .critical { critical = true }
        }
        earnedHalves = earned; assessedWeight = assessed; applicableWeight = applicable; criticalNotMet = critical
    }
}

/// One reimbursement line in an action: what one worker is owed in one currency.
public struct Reimbursement: Sendable, Hashable {
    public var workerID: String
    public var amount: ExactDecimal
    public var currency: String
    public var payer: Owner
    public var employer: String?
    /// The records owed, as positions in ``AuditResult/records``, in input order. Positions
    /// rather than locations and ids: copying those for a million records, and retaining their
    /// texts, took a third of building the action plan (perf).
    public var records: [Int]
}

public struct Action: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case remediation, claim, evidence }
    public var id: String
    public var kind: Kind
    public var standard: String
    public var requirement: String
    public var severity: Severity
    public var title: String
    public var steps: String
    public var evidence: String
    public var owner: Owner
    public var dueDate: Day
    /// Score points gained, in tenths; nil for `#evidence`.
    public var scoreGainTenths: Int?
    public var citation: String?
    public var reimbursements: [Reimbursement]
    /// The audit date when the finding behind the action was first detected: this audit's, unless
    /// the previous audit (history or baseline) had the same action. The due date counts from it.
    public var firstDetected: Day
    /// As recorded in the history (or carried from the baseline); `open` otherwise.
    public var state: ActionState = .open
    /// Due date passed on the audit date while the action is still open or in progress (and not waived).
    public var overdue = false
    /// A waiver in force covers what the action would fix.
    public var waived = false
}

public struct Finding: Sendable, Hashable {
    public var id: String
    public var standard: String
    public var requirement: String
    public var status: Status
    public var severity: Severity
    public var gradingCell: String?
    public var message: String
    public var citation: String?
    public var verified: Bool
    public var claimContradicted: Bool
    public var workersAffected: Int
    public var workersAssessed: Int
    public var workersRemedied: Int
    public var workersUnclassified: Int
    public var evidence: [SourceLocation]
    /// The workers the finding concerns (see ``CheckResult/workers``); empty for a question.
    public var workers: [String] = []
    /// Compared with the previous audit; nil when the audit has no memory (no history, baseline or waivers).
    public var change: FindingChange? = nil
    public var changeCounts: ChangeCounts? = nil
    /// A waiver in force covers it: it stays listed, but no longer counts against the score or `--fail-on`.
    public var waived = false

    public init(id: String, standard: String, requirement: String, status: Status, severity: Severity, gradingCell: String?,
                message: String, citation: String?, verified: Bool, claimContradicted: Bool, workersAffected: Int,
                workersAssessed: Int, workersRemedied: Int, workersUnclassified: Int, evidence: [SourceLocation],
                workers: [String] = []) {
        self.id = id; self.standard = standard; self.requirement = requirement; self.status = status
        self.severity = severity; self.gradingCell = gradingCell; self.message = message; self.citation = citation
        self.verified = verified; self.claimContradicted = claimContradicted; self.workersAffected = workersAffected
        self.workersAssessed = workersAssessed; self.workersRemedied = workersRemedied
        self.workersUnclassified = workersUnclassified; self.evidence = evidence; self.workers = workers
    }
}

/// The SDG 10.7.1 recruitment-cost indicator and fee totals for one agency.
public struct FeeSummary: Sendable {
    public var records: Int
    public var workers: Int
    public var workersCharged: Int
    public var workerBorne: [(currency: String, amount: ExactDecimal)]
    public var costToWageMean: ExactDecimal?
    public var costToWageMedian: ExactDecimal?
    public var workersWithoutWage: Int
    public var denominator: Int
    /// Every placement's share of the indicator, in placement order.
    public var placements: [PlacementCost]
    /// Each placement's cost in months of wage (those with a wage), for histograms.
    public var costToWage: [ExactDecimal] { placements.compactMap(\.costToWage) }

    /// The SDG 10.7.1 mean and median of costs in months of wage, to two decimals (an even count
    /// takes the mean of the two middle values); nil for none.
    public static func meanAndMedian(_ ratios: [ExactDecimal]) -> (mean: ExactDecimal?, median: ExactDecimal?) {
        guard !ratios.isEmpty else { return (nil, nil) }
        let sorted = ratios.sorted()
        let mean = (sorted.sum() / ExactDecimal(sorted.count))?.rounded(toFractionDigits: 2)
        let mid = sorted.count / 2
        let median = (sorted.count % 2 == 1 ? sorted[mid] : ((sorted[mid - 1] + sorted[mid]) / ExactDecimal(2))!)
        return (mean, median.rounded(toFractionDigits: 2))
    }
}

/// One placement's part in the cost indicator, kept so that a batch can roll costs up by corridor
/// and by employer across agencies.
public struct PlacementCost: Sendable, Hashable {
    public var origin: String
    public var destination: String
    /// The workplace named on the placement's records (the first that names one).
    public var employer: String?
    /// Worker-borne costs in months of wage; nil without a wage (or a rate to convert with).
    public var costToWage: ExactDecimal?
    /// The worker bore a positive amount.
    public var charged: Bool
}

/// Everything an audit of one agency found, ready for the reporters.
public struct AuditResult: Sendable {
    public var agencyID: String
    public var asOf: Day
    public var standards: [Standard]
    public var requirements: [RequirementResult]
    public var findings: [Finding]
    public var actions: [Action]
    public var fees: FeeSummary
    public var reimbursementsDue: [(currency: String, amount: ExactDecimal)]
    /// The reimbursement schedule: every fee record something is owed for, once, at the largest
    /// amount any check owes for it (§5), in input order. Its sums per currency are `reimbursementsDue`.
    public var owedRecords: [OwedRecord]
    public var pendingRefunds: [PendingRefund]
    /// True when workers were counted from the records (no roster was given).
    public var workersFromRecords: Bool
    public var records: [FeeRecord]

    /// Present when the audit had a memory (history, baseline or waivers given).
    public var progress: AuditProgress? = nil

    /// Scores apply the waivers in force; ``overallWithoutWaivers`` is the score as if none existed.
    public var overall: ScoreSummary { ScoreSummary(requirements) }
    public var overallWithoutWaivers: ScoreSummary { ScoreSummary(requirements, applyingWaivers: false) }


    public func summary(standard: String) -> ScoreSummary { ScoreSummary(requirements.filter { $0.standard == standard }) }
    public func summary(standard: String, principle: String) -> ScoreSummary {
        ScoreSummary(requirements.filter { $0.standard == standard && $0.requirement.principle == principle })
    }
}

/// One fee record to refund, as the reimbursement schedule lists it.
public struct OwedRecord: Sendable, Hashable {
    /// The record's position in ``AuditResult/records``. A position rather than a copy of the
    /// record: a schedule can list most of a million records, and copies were 300 MB of them.
    public var record: Int
    /// The largest amount any check owes for the record, in the record's currency.
    public var amount: ExactDecimal
    /// The owner of the requirement that owes that amount (the first such one in report order).
    public var payer: Owner
    /// The earliest due date among the requirements that owe something for the record.
    public var dueDate: Day
    /// `standard/requirement` of every requirement that owes something for the record.
    public var requirements: [String]

    /// The schedule of `results` (with what each owes per record, ``RequirementResult/owedPerRecord``)
    /// and its sums per currency.
    static func schedule(_ results: [RequirementResult], owed: [[Owed]], book: PlacementBook, asOf: Day)
        -> (schedule: [OwedRecord], totals: [(currency: String, amount: ExactDecimal)]) {
        // Built for owed records only, in an array of the exact size: an array of optional
        // OwedRecords, one per input record, took 45% of the engine on a 1M-record audit (perf).
        // The size is counted by marking the records owed, a fraction of the cost of walking the
        // lists together twice (callgrind: that first walk was 2% of a batch's audit phase).
        var isOwed = [Bool](repeating: false, count: book.records.count)
        for list in owed { for entry in list { isOwed[entry.record] = true } }
        var schedule: [OwedRecord] = []
        schedule.reserveCapacity(isOwed.count { $0 })
        // One array per requirement, shared by the lines it alone owes (a second requirement
        // copies it): a new array for every line was 47 MB on a 1M-record audit.
        let onlyRequirement = results.map { ["\($0.standard)/\($0.requirement.id)"] }
        var perCurrency = [ExactDecimal?](repeating: nil, count: book.currencies.names.count)
        forEachOwedRecord(owed) { record, owing in
            let (firstRequirement, firstAmount) = owing[0]
            let first = results[firstRequirement]
            var line = OwedRecord(record: record, amount: firstAmount, payer: first.requirement.owner,
                                  dueDate: asOf + first.deadlineDays, requirements: onlyRequirement[firstRequirement])
            for (requirement, amount) in owing.dropFirst() {
                let result = results[requirement]
                if line.amount < amount { line.amount = amount; line.payer = result.requirement.owner }
                line.dueDate = min(line.dueDate, asOf + result.deadlineDays)
                line.requirements += onlyRequirement[requirement]
            }
            let currency = book.currencyOfRecord[record]
            perCurrency[currency] = (perCurrency[currency] ?? .zero) + line.amount
            schedule.append(line)
        }
        return (schedule, book.currencies.byName(perCurrency))
    }

    /// Walks the requirements' owed lists (each in record order) together: calls `body` once per
    /// owed record, in record order, with the requirements that owe it (positions in `owed`, so
    /// in report order) and their amounts.
    private static func forEachOwedRecord(_ owed: [[Owed]], _ body: (Int, UnsafeBufferPointer<(requirement: Int, amount: ExactDecimal)>) -> Void) {
        let owing = owed.indices.filter { !owed[$0].isEmpty }
        // The lists by buffer pointer: indexing `owed[r][i]` retained and released list `r` at
        // every step (perf, 10M batch: a twentieth of the audits' reference counting).
        withBufferPointers(owing.map { owed[$0] }) { lists in
            let next = UnsafeMutableBufferPointer<Int>.allocate(capacity: lists.count)
            next.initialize(repeating: 0)
            let group = UnsafeMutableBufferPointer<(requirement: Int, amount: ExactDecimal)>.allocate(capacity: lists.count)
            defer { next.deallocate(); group.deallocate() }
            while true {
                var record = Int.max
                for (l, list) in lists.enumerated() where next[l] < list.count { record = min(record, list[next[l]].record) }
                guard record != Int.max else { return }
                var count = 0
                for (l, list) in lists.enumerated() where next[l] < list.count && list[next[l]].record == record {
                    group[count] = (requirement: owing[l], amount: list[next[l]].amount)
                    count += 1
                    next[l] += 1
                }
                body(record, UnsafeBufferPointer(rebasing: group[..<count]))
            }
        }
    }

    /// Calls `body` with a buffer pointer to each of `arrays`, valid during the call.
    private static func withBufferPointers<Element, Result>(_ arrays: [[Element]], _ body: ([UnsafeBufferPointer<Element>]) -> Result) -> Result {
        func nest(_ index: Int, _ buffers: inout [UnsafeBufferPointer<Element>]) -> Result {
            guard index < arrays.count else { return body(buffers) }
            return arrays[index].withUnsafeBufferPointer { buffer in
                buffers.append(buffer)
                return nest(index + 1, &buffers)
            }
        }
        var buffers: [UnsafeBufferPointer<Element>] = []
        buffers.reserveCapacity(arrays.count)
        return nest(0, &buffers)
    }
}

/// What an audit with a memory adds to its result.
public struct AuditProgress: Sendable {
    /// The audit compared with; nil for the agency's first.
    public var previous: AuditSnapshot?
    /// Previous findings that no longer fail, each with `change == .fixed` and its current status.
    public var fixedFindings: [Finding]
    /// Every waiver given for this agency, and what became of it.
    public var waivers: [WaiverOutcome]

    /// Score now minus the previous audit's, when both exist.
    public func scoreChange(_ now: ExactDecimal?) -> ExactDecimal? {
        guard let now, let before = previous?.score else { return nil }
        return now - before
    }
}

/// What one input file contributed to an audit, for the report's `inputs` section.
public struct InputReport: Sendable {
    public var file: String
    public var format: String
    public var rowsRead: Int
    public var rowsAccepted: Int
    public var rowsRejected: Int
    /// Every other row: other agencies' and, with `batch --employer`, those at other workplaces,
    /// so that `rowsRead = rowsAccepted + rowsRejected + rowsOtherAgency` always holds (§8).
    public var rowsOtherAgency: Int
    public var rejections: [(line: Int, reason: String)]
    /// Of `rowsOtherAgency`, the rows at workplaces outside `batch --employer`; nil without it.
    public var rowsOtherEmployer: Int?

    public init(file: String, format: String, rowsRead: Int, rowsAccepted: Int, rowsRejected: Int, rowsOtherAgency: Int,
                rejections: [(line: Int, reason: String)], rowsOtherEmployer: Int? = nil) {
        self.file = file; self.format = format; self.rowsRead = rowsRead; self.rowsAccepted = rowsAccepted
        self.rowsRejected = rowsRejected; self.rowsOtherAgency = rowsOtherAgency; self.rejections = rejections
        self.rowsOtherEmployer = rowsOtherEmployer
    }
}
