/// What the engine needs besides the standards: the agency's validated inputs and the tables.
public struct AuditInput: Sendable {
    public var agencyID: String
    public var asOf: Day
    /// Accepted fee records of this agency, in input order.
    public var records: [FeeRecord]
    /// First answer per question id.
    public var answers: [String: Answer]
    /// False when no fee-record file was given at all (fee checks are then not assessed).
    public var feesProvided: Bool
    public var categories: FeeCategories
    public var rates: ExchangeRates
    /// Accepted exceptions; only those for this agency matter.
    public var waivers: [Waiver] = []
    /// Lets a waiver apply to a requirement graded critical in this audit.
    public var allowCriticalWaivers = false
    /// What the licence registry (`--registry`) says about the agency, for registry checks.
    public var licence: LicenceLookup = .noRegistry
    /// The agency's past (history or baseline). Non-nil, or waivers for the agency, turn on the
    /// result's ``AuditResult/progress``.
    public var memory: AuditMemory? = nil
    /// Spread this agency's audit over every core: the placement book, the requirements, and the
    /// action plan, schedule and cost indicator (a single audit; a batch spreads its agencies over
    /// the cores instead). The result is the same either way.
    public var onAllCores = false
    /// Each record's placement and worker, when ingestion knows them already; nil: worked out from
    /// the records' texts. The result is the same either way.
    public var grouping: RecordGrouping? = nil

    public init(agencyID: String, asOf: Day, records: [FeeRecord], answers: [String: Answer], feesProvided: Bool,
                categories: FeeCategories, rates: ExchangeRates) {
        self.agencyID = agencyID; self.asOf = asOf; self.records = records; self.answers = answers
        self.feesProvided = feesProvided; self.categories = categories; self.rates = rates
    }
}

/// Evaluates standards against one agency's inputs (§3.2, §4, §5). Pure: no I/O, no clock.
public struct AuditEngine: Sendable {
    public init() {}

    public func audit(_ standards: [Standard], input: AuditInput) -> AuditResult {
        let book = PlacementBook(records: input.records, rates: input.rates, grouping: input.grouping, onAllCores: input.onAllCores)
        var requirements: [RequirementResult] = []
        var pending: [PendingRefund] = []
        let waivers = input.waivers.filter { $0.agency == input.agencyID }
        var blocked = Set<Waiver>()
        let evaluators = standards.flatMap { standard in
            standard.requirements.map { RequirementEvaluator(standard: standard, requirement: $0, input: input, book: book) }
        }
        let evaluated = Cores.map(evaluators.count, onAllCores: input.onAllCores) { evaluators[$0].evaluate() }
        for (evaluator, evaluation) in zip(evaluators, evaluated) {
            var (result, pendingHere) = evaluation
            let (standard, requirement) = (evaluator.standard, evaluator.requirement)
            let inForce = waivers.filter { $0.standard == standard.id && $0.requirement == requirement.id && !$0.isExpired(on: input.asOf) }
            if !inForce.isEmpty {
                // The waiver file was checked against declared severities; grading can still make
                // a requirement critical in this audit, and then the flag is needed too.
                if result.severity == .critical && !input.allowCriticalWaivers {
                    blocked.formUnion(inForce)
                } else {
                    result.waiver = Self.effect(of: inForce, evaluator: evaluator)
                }
            }
            requirements.append(result)
            pending.append(contentsOf: pendingHere)
        }
        var findings = FindingBuilder.findings(requirements, input: input)
        let owed = requirements.map(\.owedPerRecord)
        // The plan, the schedule and the cost indicator each read the requirements and the
        // records, and nothing of each other.
        let (actions, (schedule, totals), fees) = Cores.together(
            onAllCores: input.onAllCores,
            { ActionPlanner(requirements: requirements, owed: owed, input: input, book: book).actions() },
            { OwedRecord.schedule(requirements, owed: owed, book: book, asOf: input.asOf) },
            { FeeIndicator.summary(book: book, input: input) })
        var progress: AuditProgress?
        // Waivers alone turn the progress fields on too: the report must say what they changed.
        if let memory = input.memory ?? (waivers.isEmpty ? nil : AuditMemory()) {
            let fixed = FindingComparison.compare(&findings, agency: input.agencyID, memory: memory) { old in
                Self.currentStatus(of: old, in: requirements)
            }
            let audited = Set(requirements.map { "\($0.standard)/\($0.requirement.id)" })
            let outcomes = waivers.map { waiver in
                let status: WaiverOutcome.Status =
                    waiver.isExpired(on: input.asOf) ? .expired
                    : !audited.contains("\(waiver.standard)/\(waiver.requirement)") ? .notAudited
                    : blocked.contains(waiver) ? .criticalNotAllowed : .applied
                return WaiverOutcome(waiver: waiver, status: status)
            }
            progress = AuditProgress(previous: memory.previous, fixedFindings: fixed, waivers: outcomes)
        }
        var result = AuditResult(
            agencyID: input.agencyID, asOf: input.asOf, standards: standards, requirements: requirements,
            findings: findings, actions: actions, fees: fees,
            reimbursementsDue: totals, owedRecords: schedule,
            pendingRefunds: pending.sorted { ($0.dueDate, $0.location) < ($1.dueDate, $1.location) },
            workersFromRecords: true, records: input.records)
        result.progress = progress
        return result
    }

    /// A waiver over the whole requirement excludes it; scoped ones have it evaluated again
    /// without the placements they cover.
    static func effect(of waivers: [Waiver], evaluator: RequirementEvaluator) -> WaiverEffect {
        if waivers.contains(where: { !$0.isScoped }) { return .excluded }
        var again = evaluator
        again.waived = waivers
        let (rescored, _) = again.evaluate()
        return .rescored(status: rescored.status, severity: rescored.severity,
                         failingChecks: Set(rescored.checks.filter { $0.status.isFailing }.map(\.index)))
    }

    /// The current status of the check behind an earlier finding (id `standard/requirement/N`):
    /// that check's, or the requirement's when the standard no longer has check N; nil when the
    /// requirement is not part of this audit.
    static func currentStatus(of finding: Finding, in requirements: [RequirementResult]) -> Status? {
        guard let result = requirements.first(where: { $0.standard == finding.standard && $0.requirement.id == finding.requirement })
        else { return nil }
        let index = finding.id.split(separator: "/").last.flatMap { Int($0) }
        return result.checks.first { $0.index == index }?.status ?? result.status
    }
}

/// Each record's placement (an agency, a worker and a destination) and worker, numbered in order of
/// first appearance among the records, as the engine numbers them. Ingestion, which tells rows'
/// placements apart to check them against each other, gives these with the records, sparing the
/// engine looking every worker id up: in a single audit of a million records that was the longest
/// stretch on one core (perf).
public struct RecordGrouping: Sendable, Equatable {
    public var placementOfRecord: [Int32]
    public var workerOfRecord: [Int32]
    public init(placementOfRecord: [Int32], workerOfRecord: [Int32]) {
        self.placementOfRecord = placementOfRecord; self.workerOfRecord = workerOfRecord
    }
}

/// A worker's placement: an agency, a worker and a destination, with the records that belong to it.
struct Placement {
    var workerID: String
    /// `workerID` numbered: an index into ``PlacementBook/workerIDs``.
    var worker: Int
    var destination: String
    /// The placement's records, in input order: a slice of one array shared by every placement.
    var records: ArraySlice<Int> = []
    var origin: String
    var occupation: String?
    var monthlyWage: ExactDecimal?
    /// A number in ``PlacementBook/currencies``.
    var wageCurrency: Int?
    var contractMonths: Int?
    var contractSignedOn: Day?
    var employer: String?
}

/// Records grouped into placements, with what every check needs to know of each record worked
/// out once: workers, categories and currencies numbered, and loan repayments resolved.
struct PlacementBook {
    let records: [FeeRecord]
    let placements: [Placement]
    /// Distinct worker ids in order of first appearance. The checks count workers in arrays
    /// indexed by these numbers; sets of id strings took 5% of the engine (perf, 1M records).
    let workerIDs: [String]
    /// Each record's worker, a number in `workerIDs`.
    let workerOfRecord: [Int]
    /// Each record's category as an index into `categoryCodes`, so that a check tests a record's
    /// category with an array lookup instead of hashing the code.
    let categories: [Int]
    let categoryCodes: [String]
    /// Each record's currency, a number in `currencies`.
    let currencyOfRecord: [Int]
    let currencies: CurrencyTable
    /// Records that count as worker-borne: a deduction repaying a recorded loan is not counted again.
    let counted: [Bool]
    /// Loan records by `record_id`.
    let loans: [String: Int]

    /// - Parameter onAllCores: work out the placements and the categories side by side (a
    ///   single audit; see ``AuditInput/onAllCores``).
    init(records: [FeeRecord], rates: ExchangeRates, grouping: RecordGrouping? = nil, onAllCores: Bool = false) {
        self.records = records
        // The two read different fields of the records and nothing of each other: in a single
        // audit of a million records, this initializer was the longest stretch on one core (perf).
        let (grouped, classified) = Cores.together(onAllCores: onAllCores,
                                                   { Grouping(records, rates: rates, given: grouping) }, { Classification(records) })
        placements = grouped.placements
        workerIDs = grouped.workerIDs
        workerOfRecord = grouped.workerOfRecord
        currencyOfRecord = grouped.currencyOfRecord
        currencies = grouped.currencies
        categories = classified.categories
        categoryCodes = classified.categoryCodes
        loans = classified.loans
        counted = classified.counted
    }

    /// Placements, workers and currencies, numbered in order of first appearance.
    private struct Grouping {
        let placements: [Placement]
        let workerIDs: [String]
        let workerOfRecord: [Int]
        let currencyOfRecord: [Int]
        let currencies: CurrencyTable

        /// - Parameter given: each record's placement and worker, when known already.
        init(_ records: [FeeRecord], rates: ExchangeRates, given: RecordGrouping?) {
            precondition(given.map { $0.placementOfRecord.count == records.count && $0.workerOfRecord.count == records.count } ?? true,
                         "a grouping of other records")
            var placements: [Placement] = []
            var workers: [String: Int] = [:], workerIDs: [String] = []
            // By worker number, the worker's last placement; by placement, the worker's placement
            // before it (-1: none) and its first record. A list through the placements rather
            // than an array per worker: allocating those was a tenth of this initializer (perf).
            var lastPlacementOf: [Int] = [], previousPlacementOf: [Int] = [], firstRecordOf: [Int] = []
            var currencies = rates.numbered
            // An agency pays in a few currencies: looking through those it used beats hashing the
            // name for every placement's wage and every change of currency (9% of this initializer,
            // callgrind).
            var usedCurrencies: [(name: String, number: Int)] = []
            func number(ofCurrency name: String) -> Int {
                if let used = usedCurrencies.first(where: { $0.name == name }) { return used.number }
                let number = currencies.number(name)
                usedCurrencies.append((name, number))
                return number
            }
            var workerOfRecord: [Int] = [], currencyOfRecord: [Int] = []
            var placementOfRecord: [Int] = [], placementSizes: [Int] = []
            placementOfRecord.reserveCapacity(records.count)
            workerOfRecord.reserveCapacity(records.count)
            currencyOfRecord.reserveCapacity(records.count)
            var p = 0, currency = 0
            // Fields are read in place: binding each record to a constant copied all of its strings,
            // a quarter of the time spent here (perf).
            for i in records.indices {
                if let given {
                    p = Int(given.placementOfRecord[i])
                    if p == placements.count {
                        let worker = Int(given.workerOfRecord[i])
                        if worker == workerIDs.count { workerIDs.append(records[i].workerID) }
                        placementSizes.append(0)
                        placements.append(Placement(workerID: records[i].workerID, worker: worker, destination: records[i].destination,
                                                    origin: records[i].origin))
                    }
                } else if i == 0 || records[i].workerID != records[i - 1].workerID || records[i].destination != records[i - 1].destination
                    || records[i].agencyID != records[i - 1].agencyID {
                    // A placement's records usually come together: compare with the last record's fields
                    // before looking the worker up. A worker has one placement or a few, so they are
                    // looked through rather than the three texts hashed (a fifth of this initializer, callgrind).
                    // One hash for a new worker too: the default is stored by the same lookup.
                    let worker = Self.value(&workers[records[i].workerID, default: workerIDs.count])
                    if worker == workerIDs.count {
                        workerIDs.append(records[i].workerID)
                        lastPlacementOf.append(-1)
                    }
                    var known: Int?
                    var placement = lastPlacementOf[worker]
                    while placement >= 0 && known == nil {
                        let first = firstRecordOf[placement]
                        if records[first].destination == records[i].destination && records[first].agencyID == records[i].agencyID { known = placement }
                        placement = previousPlacementOf[placement]
                    }
                    if let known {
                        p = known
                    } else {
                        p = placements.count
                        previousPlacementOf.append(lastPlacementOf[worker])
                        lastPlacementOf[worker] = p
                        firstRecordOf.append(i)
                        placementSizes.append(0)
                        placements.append(Placement(workerID: records[i].workerID, worker: worker, destination: records[i].destination,
                                                    origin: records[i].origin))
                    }
                }
                placementOfRecord.append(p)
                placementSizes[p] += 1
                workerOfRecord.append(placements[p].worker)
                // Ingestion rejects conflicting rows, so the first value given is the placement's.
                // Written only when the record gives one: writing nil over nil for every record checked
                // the array's uniqueness each time (7% of this initializer, callgrind).
                if placements[p].occupation == nil, let occupation = records[i].occupation { placements[p].occupation = occupation }
                if placements[p].monthlyWage == nil, let wage = records[i].monthlyWage {
                    placements[p].monthlyWage = wage
                    placements[p].wageCurrency = number(ofCurrency: records[i].wageCurrency ?? records[i].currency)
                }
                if placements[p].contractMonths == nil, let months = records[i].contractMonths { placements[p].contractMonths = months }
                if placements[p].contractSignedOn == nil, let signed = records[i].contractSignedOn { placements[p].contractSignedOn = signed }
                if placements[p].employer == nil, let employer = records[i].employer { placements[p].employer = employer }
                // Neighbours usually share a currency: compare before looking the name up.
                if i == 0 || records[i].currency != records[i - 1].currency { currency = number(ofCurrency: records[i].currency) }
                currencyOfRecord.append(currency)
            }
            // Every placement's records laid out placement after placement in one array, rather than
            // an array per placement grown a record at a time (a tenth of this initializer, callgrind).
            var starts: [Int] = [], start = 0
            starts.reserveCapacity(placementSizes.count)
            for size in placementSizes { starts.append(start); start += size }
            var next = starts
            var byPlacement = [Int](repeating: 0, count: records.count)
            for (i, p) in placementOfRecord.enumerated() {
                byPlacement[next[p]] = i
                next[p] += 1
            }
            for p in placements.indices { placements[p].records = byPlacement[starts[p]..<next[p]] }
            self.placements = placements
            self.workerIDs = workerIDs
            self.workerOfRecord = workerOfRecord
            self.currencyOfRecord = currencyOfRecord
            self.currencies = currencies
        }

        /// A dictionary entry read through `inout`, which stores a subscript's default first.
        private static func value(_ entry: inout Int) -> Int { entry }
    }

    /// Categories numbered in order of first appearance, loans, and the records that count.
    private struct Classification {
        var categories: [Int] = []
        var categoryCodes: [String] = []
        var loans: [String: Int] = [:]
        var counted: [Bool] = []

        init(_ records: [FeeRecord]) {
            categories.reserveCapacity(records.count)
            for i in records.indices {
                // An agency uses a handful of categories: looking through them beats hashing the code
                // (the same text compares equal at once).
                let category = categoryCodes.firstIndex(of: records[i].category) ?? categoryCodes.count
                if category == categoryCodes.count { categoryCodes.append(records[i].category) }
                categories.append(category)
            }
            for i in records.indices where records[i].method == .loan {
                if let id = records[i].recordID, loans[id] == nil { loans[id] = i }
            }
            // Fields rather than the record's `isWorkerBorne`: calling a getter on an array element
            // copied the whole record (perf: 10% of the engine in a batch of small agencies).
            let loans = self.loans
            counted = records.indices.map { i in
                let method = records[i].method
                guard FeeRecord.isWorkerBorne(paidBy: records[i].paidBy, method: method) else { return false }
                if method == .wageDeduction, let repays = records[i].repays, loans[repays] != nil { return false }
                return true
            }
        }
    }

    /// The recorded loan that a deduction repays, if any.
    func loanRepaid(by i: Int) -> Int? {
        guard records[i].method == .wageDeduction, let repays = records[i].repays else { return nil }
        return loans[repays]
    }

    /// `amount`, in record `i`'s currency, converted to `currency` at the rates of the record's payment date.
    func convert(_ amount: ExactDecimal, ofRecord i: Int, to currency: Int) -> ExactDecimal? {
        currencies.convert(amount, from: currencyOfRecord[i], to: currency, on: records[i].paidOn)
    }
}
