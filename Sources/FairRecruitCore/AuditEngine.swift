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
        let book = PlacementBook(records: input.records)
        var requirements: [RequirementResult] = []
        var pending: [PendingRefund] = []
        for standard in standards {
            for requirement in standard.requirements {
                let evaluator = RequirementEvaluator(standard: standard, requirement: requirement, input: input, book: book)
                let (result, pendingHere) = evaluator.evaluate()
                requirements.append(result)
                pending.append(contentsOf: pendingHere)
            }
        }
        let findings = FindingBuilder.findings(requirements, input: input)
        let actions = ActionPlanner(requirements: requirements, input: input, book: book).actions()
        return AuditResult(
            agencyID: input.agencyID, asOf: input.asOf, standards: standards, requirements: requirements,
            findings: findings, actions: actions, fees: FeeIndicator.summary(book: book, input: input),
            reimbursementsDue: Self.totals(OwedRecord.schedule(requirements, records: input.records, asOf: input.asOf)),
            pendingRefunds: pending.sorted { ($0.dueDate, $0.location) < ($1.dueDate, $1.location) },
            workersFromRecords: true, records: input.records)
    }

    /// Each record counted once, at the largest amount any check owes for it (§5).
    static func totals(_ schedule: [OwedRecord]) -> [(currency: String, amount: ExactDecimal)] {
        var perCurrency: [String: ExactDecimal] = [:]
        for owed in schedule {
            perCurrency[owed.record.currency, default: .zero] += owed.amount
        }
        return perCurrency.sorted { $0.key < $1.key }.map { (currency: $0.key, amount: $0.value) }
    }
}

/// A worker's placement: an agency, a worker and a destination, with the records that belong to it.
struct Placement {
    var workerID: String
    var destination: String
    var records: [Int] = []
    var origin: String
    var occupation: String?
    var monthlyWage: ExactDecimal?
    var wageCurrency: String?
    var contractMonths: Int?
    var contractSignedOn: Day?
    var employer: String?
}

/// Records grouped into placements, with loan repayments resolved once for every check.
struct PlacementBook {
    let records: [FeeRecord]
    let placements: [Placement]
    /// Records that count as worker-borne: a deduction repaying a recorded loan is not counted again.
    let counted: [Bool]
    /// Loan records by `record_id`.
    let loans: [String: Int]

    init(records: [FeeRecord]) {
        self.records = records
        var index: [String: Int] = [:]
        var placements: [Placement] = []
        for (i, record) in records.enumerated() {
            let key = record.workerID + "\u{1F}" + record.destination
            if index[key] == nil {
                index[key] = placements.count
                placements.append(Placement(workerID: record.workerID, destination: record.destination, origin: record.origin))
            }
            let p = index[key]!
            placements[p].records.append(i)
            // Ingestion rejects conflicting rows, so the first value given is the placement's.
            if placements[p].occupation == nil { placements[p].occupation = record.occupation }
            if placements[p].monthlyWage == nil, let wage = record.monthlyWage {
                placements[p].monthlyWage = wage
                placements[p].wageCurrency = record.wageCurrency ?? record.currency
            }
            if placements[p].contractMonths == nil { placements[p].contractMonths = record.contractMonths }
            if placements[p].contractSignedOn == nil { placements[p].contractSignedOn = record.contractSignedOn }
            if placements[p].employer == nil { placements[p].employer = record.employer }
        }
        self.placements = placements
        var loans: [String: Int] = [:]
        for (i, record) in records.enumerated() where record.method == .loan {
            if let id = record.recordID, loans[id] == nil { loans[id] = i }
        }
        self.loans = loans
        counted = records.map { record in
            guard record.isWorkerBorne else { return false }
            if record.method == .wageDeduction, let repays = record.repays, loans[repays] != nil { return false }
            return true
        }
    }

    /// The recorded loan that a deduction repays, if any.
    func loanRepaid(by i: Int) -> Int? {
        guard records[i].method == .wageDeduction, let repays = records[i].repays else { return nil }
        return loans[repays]
    }
}
