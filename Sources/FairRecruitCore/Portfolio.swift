/// Money per currency, as the reports list it: sorted by currency.
public typealias MoneyTotals = [(currency: String, amount: ExactDecimal)]

/// What a batch keeps of one agency's audit for the portfolio: scores, counts and a few values per
/// placement. A batch writes each agency's reports and keeps only this, so that its memory grows
/// with the number of workers, not with the fee records.
public struct AgencySummary: Sendable {
    /// What the agency sent: `none` is a registered agency that sent nothing (`--registry`).
    public enum Submission: String, Sendable, Hashable, CaseIterable {
        case feesAndAssessment = "fees_and_assessment", fees, assessment, none
    }

    public var agencyID: String
    public var name: String?
    public var submission: Submission
    public var licence: LicenceLookup
    public var score: ExactDecimal?
    public var scoreTenths: Int?
    public var rating: String
    public var coverage: ExactDecimal?
    /// Not-met findings of graded severity critical, not waived, and verified unless unverified
    /// requirements count (`--include-unverified`): the enforcement list's findings.
    public var criticalFindings: [String]
    public var findings: Int
    public var actions: Int
    public var reimbursementsDue: MoneyTotals
    /// Every requirement audited and its status (as evaluated, waivers aside), in report order.
    public var requirements: [(standard: String, id: String, status: Status)]
    public var placements: [PlacementCost]
    /// Reimbursements due per workplace (nil: records naming none) and currency, each record counted
    /// once at the largest amount owed for it.
    public var owedByEmployer: [String?: [String: ExactDecimal]]
    public var records: Int
    public var workers: Int

    /// The portfolio's view of an audit.
    public init(_ result: AuditResult, name: String?, submission: Submission, licence: LicenceLookup, includeUnverified: Bool) {
        let overall = result.overall
        agencyID = result.agencyID; self.name = name; self.submission = submission; self.licence = licence
        score = overall.score; scoreTenths = overall.scoreTenths; rating = overall.rating; coverage = overall.coverage
        criticalFindings = result.findings.filter {
            $0.status == .notMet && $0.severity == .critical && !$0.waived && ($0.verified || includeUnverified)
        }.map(\.id)
        findings = result.findings.count
        actions = result.actions.count
        reimbursementsDue = result.reimbursementsDue
        requirements = result.requirements.map { (standard: $0.standard, id: $0.requirement.id, status: $0.status) }
        placements = result.fees.placements
        // Owed records come in input order, a placement's together, so neighbours mostly share
        // employer and currency: a run of them is summed before the tables are looked up (hashing
        // both texts for every record was a tenth of a batch's audit phase, callgrind).
        var owed: [String?: [String: ExactDecimal]] = [:]
        func add(_ run: (first: Int, amount: ExactDecimal)) {
            owed[result.records[run.first].employer, default: [:]][result.records[run.first].currency, default: .zero] += run.amount
        }
        var run: (first: Int, amount: ExactDecimal)?
        for entry in result.owedRecords {
            if let first = run?.first, result.records[first].employer == result.records[entry.record].employer,
               result.records[first].currency == result.records[entry.record].currency {
                run!.amount += entry.amount
            } else {
                if let run { add(run) }
                run = (entry.record, entry.amount)
            }
        }
        if let run { add(run) }
        owedByEmployer = owed
        records = result.fees.records
        workers = result.fees.workers
    }

    /// A registered agency that sent nothing: listed, not rated (`NR`).
    public init(notSubmitted agencyID: String, name: String?, licence: LicenceLookup) {
        self.agencyID = agencyID; self.name = name; submission = .none; self.licence = licence
        score = nil; scoreTenths = nil; rating = "NR"; coverage = nil; criticalFindings = []; findings = 0; actions = 0
        reimbursementsDue = []; requirements = []; placements = []; owedByEmployer = [:]; records = 0; workers = 0
    }
}

/// A batch's roll-up over every agency (§6–7): the league table, the rating distribution, the
/// enforcement list, the requirements failed most, the cost indicator per corridor and the
/// reimbursements per employer. Pure: built from values, ordered deterministically.
public struct Portfolio: Sendable {
    public struct RatingCount: Sendable, Hashable { public var rating: String; public var agencies: Int }

    public struct RequirementTally: Sendable, Hashable {
        public var standard: String
        public var id: String
        public var title: String
        public var severity: Severity
        public var agenciesNotMet: Int
        public var agenciesPartiallyMet: Int
        /// Agencies for which the requirement was assessed (met, partially met or not met).
        public var agenciesAssessed: Int
    }

    /// The SDG 10.7.1 indicator for one origin → destination corridor, over every agency's workers.
    public struct Corridor: Sendable, Hashable {
        public var origin: String
        public var destination: String
        public var workers: Int
        public var workersWithoutWage: Int
        /// Workers with a wage: the mean's and median's denominator.
        public var denominator: Int
        public var costToWageMean: ExactDecimal?
        public var costToWageMedian: ExactDecimal?
    }

    /// One workplace across agencies: for a hotel chain, a property.
    public struct EmployerRollUp: Sendable {
        /// Nil for placements whose records name no employer.
        public var employer: String?
        public var agencies: Int
        public var workers: Int
        /// Workers who bore a positive amount.
        public var workersCharged: Int
        public var reimbursementsDue: MoneyTotals
    }

    /// League order: rating (A to E, then NR), score (highest first, none last), agency id.
    public var agencies: [AgencySummary]
    /// A, B, C, D, E and NR, each with its count (zeros included).
    public var ratingDistribution: [RatingCount]
    /// Agencies with critical findings: most critical findings first, then by agency id.
    public var enforcement: [AgencySummary]
    /// Every requirement audited: most agencies not meeting it first.
    public var requirements: [RequirementTally]
    /// By origin, then destination.
    public var corridors: [Corridor]
    /// By employer name; placements naming none last.
    public var employers: [EmployerRollUp]
    public var reimbursementsDue: MoneyTotals

    public static let ratings = ["A", "B", "C", "D", "E", "NR"]

    public init(_ summaries: [AgencySummary], standards: [Standard]) {
        func rank(_ rating: String) -> Int { Self.ratings.firstIndex(of: rating) ?? Self.ratings.count }
        agencies = summaries.sorted { a, b in
            if rank(a.rating) != rank(b.rating) { return rank(a.rating) < rank(b.rating) }
            if a.scoreTenths != b.scoreTenths { return (a.scoreTenths ?? -1) > (b.scoreTenths ?? -1) }
            return a.agencyID < b.agencyID
        }
        ratingDistribution = Self.ratings.map { rating in RatingCount(rating: rating, agencies: summaries.filter { $0.rating == rating }.count) }
        enforcement = summaries.filter { !$0.criticalFindings.isEmpty }.sorted {
            $0.criticalFindings.count != $1.criticalFindings.count ? $0.criticalFindings.count > $1.criticalFindings.count : $0.agencyID < $1.agencyID
        }
        // Three roll-ups over every placement, independent of each other: after a batch's audits
        // they were its last stretch on one core (perf, 10M records: a third of a second).
        (requirements, corridors, employers) = Cores.together(
            onAllCores: true, { Self.tally(summaries, standards: standards) }, { Self.corridors(summaries) }, { Self.employers(summaries) })
        var total: [String: ExactDecimal] = [:]
        for summary in summaries { for due in summary.reimbursementsDue { total[due.currency, default: .zero] += due.amount } }
        reimbursementsDue = total.sorted { $0.key < $1.key }.map { (currency: $0.key, amount: $0.value) }
    }

    static func tally(_ summaries: [AgencySummary], standards: [Standard]) -> [RequirementTally] {
        struct Key: Hashable { var standard: String; var id: String }
        var counts: [Key: (notMet: Int, partial: Int, assessed: Int)] = [:]
        for summary in summaries {
            for requirement in summary.requirements {
                var count = counts[Key(standard: requirement.standard, id: requirement.id)] ?? (0, 0, 0)
                switch requirement.status {
                case .notMet: count.notMet += 1; count.assessed += 1
                case .partiallyMet: count.partial += 1; count.assessed += 1
                case .met: count.assessed += 1
                case .notApplicable, .notAssessed: break
                }
                counts[Key(standard: requirement.standard, id: requirement.id)] = count
            }
        }
        var tallies: [RequirementTally] = []
        for standard in standards {
            for requirement in standard.requirements {
                let count = counts[Key(standard: standard.id, id: requirement.id)] ?? (0, 0, 0)
                tallies.append(RequirementTally(standard: standard.id, id: requirement.id, title: requirement.title,
                                                severity: requirement.severity, agenciesNotMet: count.notMet,
                                                agenciesPartiallyMet: count.partial, agenciesAssessed: count.assessed))
            }
        }
        return tallies.sorted { a, b in
            if a.agenciesNotMet != b.agenciesNotMet { return a.agenciesNotMet > b.agenciesNotMet }
            if a.agenciesPartiallyMet != b.agenciesPartiallyMet { return a.agenciesPartiallyMet > b.agenciesPartiallyMet }
            return (a.standard, a.id) < (b.standard, b.id)
        }
    }

    static func corridors(_ summaries: [AgencySummary]) -> [Corridor] {
        struct Key: Hashable, Comparable {
            var origin: String; var destination: String
            static func < (a: Key, b: Key) -> Bool { (a.origin, a.destination) < (b.origin, b.destination) }
        }
        var numbers: [Key: Int] = [:]
        var groups: [(key: Key, workers: Int, ratios: [ExactDecimal])] = []
        for summary in summaries {
            // An agency's placements mostly share the corridor of the one before: compared with it
            // before the two texts are hashed (perf, 10M-record batch).
            var group = -1
            for p in summary.placements {
                if group < 0 || groups[group].key.origin != p.origin || groups[group].key.destination != p.destination {
                    let key = Key(origin: p.origin, destination: p.destination)
                    group = Self.number(of: key, in: &numbers) { groups.append((key, 0, [])) }
                }
                // In place: copying the group out and back copied its ratios for every placement
                // (a fifth of a 10-million-record batch, perf).
                groups[group].workers += 1
                if let ratio = p.costToWage { groups[group].ratios.append(ratio) }
            }
        }
        return groups.sorted { $0.key < $1.key }.map { group in
            let (mean, median) = FeeSummary.meanAndMedian(group.ratios)
            return Corridor(origin: group.key.origin, destination: group.key.destination, workers: group.workers,
                            workersWithoutWage: group.workers - group.ratios.count, denominator: group.ratios.count,
                            costToWageMean: mean, costToWageMedian: median)
        }
    }

    static func employers(_ summaries: [AgencySummary]) -> [EmployerRollUp] {
        var numbers: [String?: Int] = [:]
        var entries: [(employer: String?, agencies: Set<String>, workers: Int, charged: Int, owed: [String: ExactDecimal])] = []
        func number(_ employer: String?) -> Int { Self.number(of: employer, in: &numbers) { entries.append((employer, [], 0, 0, [:])) } }
        for summary in summaries {
            // As for corridors: an agency's placements mostly name the employer of the one before,
            // and the agency is added to an employer's set once per run, not per placement.
            var entry = -1
            for p in summary.placements {
                if entry < 0 || entries[entry].employer != p.employer {
                    entry = number(p.employer)
                    entries[entry].agencies.insert(summary.agencyID)
                }
                entries[entry].workers += 1
                if p.charged { entries[entry].charged += 1 }
            }
            for (employer, amounts) in summary.owedByEmployer {
                let entry = number(employer)
                for (currency, amount) in amounts { entries[entry].owed[currency, default: .zero] += amount }
            }
        }
        return entries.sorted { a, b in
            switch (a.employer, b.employer) {
            case let (a?, b?): a < b
            case (nil, _): false
            case (_, nil): true
            }
        }.map { entry in
            EmployerRollUp(employer: entry.employer, agencies: entry.agencies.count, workers: entry.workers, workersCharged: entry.charged,
                           reimbursementsDue: entry.owed.sorted { $0.key < $1.key }.map { (currency: $0.key, amount: $0.value) })
        }
    }

    /// The number of `key` in `numbers`; a new key takes the next number, after `add` made room for it.
    private static func number<Key: Hashable>(of key: Key, in numbers: inout [Key: Int], add: () -> Void) -> Int {
        if let number = numbers[key] { return number }
        numbers[key] = numbers.count
        add()
        return numbers.count - 1
    }
}
