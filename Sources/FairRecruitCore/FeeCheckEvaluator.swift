/// Evaluates one fee check, placement by placement (§3.2).
struct FeeCheckEvaluator {
    let standard: Standard
    let requirement: Requirement
    let check: FeeCheck
    let input: AuditInput
    let book: PlacementBook
    let codes: Set<String>
    /// Scoped waivers in force: the placements they cover are left out, as if out of scope.
    let waived: [Waiver]

    init(standard: Standard, requirement: Requirement, check: FeeCheck, input: AuditInput, book: PlacementBook, waived: [Waiver] = []) {
        self.standard = standard; self.requirement = requirement; self.check = check; self.input = input; self.book = book
        self.waived = waived
        codes = input.categories.resolve(categories: check.categories, except: check.except)
    }

    /// The refund window that separates "remedied in time" from "refunded late".
    var refundWindow: Int { check.grading?.refundWindowDays ?? check.refundWindowDays }

    enum Outcome { case outOfScope, unclassified, met, remedied, breach }

    struct PlacementOutcome {
        var outcome: Outcome
        var evidence: [Int] = []
        var owed: [Owed] = []
        /// Gross charged amount in the placement's wage currency, for grading depth.
        var chargedInWage: ExactDecimal?
        var pending: [PendingRefund] = []
    }

    func evaluate(index: Int) -> (CheckResult, [PendingRefund]) {
        var result = CheckResult(index: index, status: .met, isFeeCheck: true, message: "")
        guard input.feesProvided, !book.records.isEmpty else {
            result.status = .notAssessed
            result.message = "no fee records"
            result.missing = ["fee records (--fees)"]
            return (result, [])
        }
        var assessed = Set<String>(), affected = Set<String>(), remedied = Set<String>(), unclassified = Set<String>()
        var evidence: [Int] = []
        var owed: [Owed] = []
        var pending: [PendingRefund] = []
        var depths: [(worker: String, depth: ExactDecimal?)] = []
        var remediedDepths: [(worker: String, depth: ExactDecimal?)] = []
        for placement in book.placements {
            let outcome = evaluate(placement)
            switch outcome.outcome {
            case .outOfScope: continue
            case .unclassified: unclassified.insert(placement.workerID); continue
            case .met: assessed.insert(placement.workerID)
            case .remedied:
                assessed.insert(placement.workerID); remedied.insert(placement.workerID)
                remediedDepths.append((placement.workerID, depth(outcome, placement)))
            case .breach:
                assessed.insert(placement.workerID); affected.insert(placement.workerID)
                depths.append((placement.workerID, depth(outcome, placement)))
            }
            evidence += outcome.evidence
            owed += outcome.owed
            pending += outcome.pending
        }
        unclassified.subtract(assessed)
        remedied.subtract(affected)
        result.workersAssessed = assessed.count
        result.workersAffected = affected.count
        result.workersRemedied = remedied.count
        result.workersUnclassified = unclassified.count
        result.evidence = evidence.sorted().map { book.records[$0].location }
        result.owed = owed
        if !affected.isEmpty || !remedied.isEmpty { result.workers = affected.union(remedied).sorted() }
        if !affected.isEmpty {
            result.status = .notMet
        } else if !remedied.isEmpty {
            result.status = .partiallyMet
        } else if !assessed.isEmpty {
            result.status = .met
        } else if !unclassified.isEmpty {
            result.status = .notAssessed
            result.missing = ["the attributes this requirement's scope or rule needs (\(missingAttributes))"]
        } else {
            result.status = .notApplicable
        }
        result.message = message(result)
        if let grading = check.grading, result.status.isFailing {
            let refundedScenario = affected.isEmpty
            let graded = GradingTable(grading).grade(
                affected: refundedScenario ? remediedDepths.map(\.depth) : depths.map(\.depth),
                assessed: assessed.count, refunded: refundedScenario)
            result.gradedSeverity = graded.severity
            result.gradingCell = graded.cell
            result.workersWithoutWage = graded.withoutWage
            if graded.withoutWage > 0 {
                result.message += "; \(graded.withoutWage) worker(s) without a wage were graded in the deepest column"
            }
        }
        return (result, pending)
    }

    private var missingAttributes: String {
        switch check.rule {
        case .receipts: "receipt"
        case .notBeforeContract: "contract_signed_on"
        case .cap(.wageMonths), .cap(.wageMonthsPerContractYear): "monthly_wage, contract_months, occupation or sector"
        default: "occupation or sector"
        }
    }

    private func depth(_ outcome: PlacementOutcome, _ placement: Placement) -> ExactDecimal? {
        guard let wage = placement.monthlyWage, let charged = outcome.chargedInWage else { return nil }
        return charged / wage
    }

    private func message(_ result: CheckResult) -> String {
        let what = "\(check.rule.name) over \(check.categories.joined(separator: ", "))"
        switch result.status {
        case .notMet: return "\(result.workersAffected) of \(result.workersAssessed) worker(s) breach \(what)"
        case .partiallyMet:
            return "\(result.workersRemedied) of \(result.workersAssessed) worker(s) breached \(what), refunded in full within \(refundWindow) days"
        case .met: return "\(result.workersAssessed) worker(s) assessed; none breach \(what)"
        case .notApplicable: return "no fee record falls within this requirement's scope"
        case .notAssessed: return "\(result.workersUnclassified) worker(s) could not be assessed"
        }
    }

    // MARK: - Scope

    enum ScopeMatch { case inScope, outOfScope, unknown }

    func scopeMatch(_ record: FeeRecord, _ placement: Placement) -> ScopeMatch {
        Self.scopeMatch(record, placement, standard: standard, requirement: requirement)
    }

    /// Whether a record falls within the standard's scope narrowed by the requirement's, and its
    /// `effective` dates; shared with registry checks.
    static func scopeMatch(_ record: FeeRecord, _ placement: Placement, standard: Standard, requirement: Requirement) -> ScopeMatch {
        guard requirement.effective.contains(record.paidOn) else { return .outOfScope }
        var unknown = false
        for scope in [standard.scope, requirement.scope] {
            if !scope.origin.isEmpty, !scope.origin.contains(record.origin) { return .outOfScope }
            if !scope.destination.isEmpty, !scope.destination.contains(record.destination) { return .outOfScope }
            if scope.except.origin.contains(record.origin) || scope.except.destination.contains(record.destination) { return .outOfScope }
            switch Self.match(placement.occupation, list: scope.occupations, except: scope.except.occupations) {
            case .outOfScope: return .outOfScope
            case .unknown: unknown = true
            case .inScope: break
            }
            // Normalising a sector costs more than the rest of this test: only when a scope names sectors.
            if !scope.sectors.isEmpty || !scope.except.sectors.isEmpty {
                let sector = record.sector.map(normalizedTerm)
                switch Self.match(sector, list: scope.sectors.map(normalizedTerm), except: scope.except.sectors.map(normalizedTerm)) {
                case .outOfScope: return .outOfScope
                case .unknown: unknown = true
                case .inScope: break
                }
            }
        }
        return unknown ? .unknown : .inScope
    }

    static func match(_ value: String?, list: [String], except: [String]) -> ScopeMatch {
        if list.isEmpty && except.isEmpty { return .inScope }
        guard let value, !value.isEmpty else { return .unknown }
        if !list.isEmpty && !list.contains(value) { return .outOfScope }
        if except.contains(value) { return .outOfScope }
        return .inScope
    }

    // MARK: - Rules

    func evaluate(_ placement: Placement) -> PlacementOutcome {
        if waived.contains(where: { $0.covers(worker: placement.workerID, destination: placement.destination) }) {
            return PlacementOutcome(outcome: .outOfScope)
        }
        var inScope: [Int] = []
        for i in placement.records {
            switch scopeMatch(book.records[i], placement) {
            case .unknown: return PlacementOutcome(outcome: .unclassified)
            case .inScope: inScope.append(i)
            case .outOfScope: break
            }
        }
        if inScope.isEmpty { return PlacementOutcome(outcome: .outOfScope) }
        let relevant = inScope.filter { codes.contains(book.records[$0].category) }
        let workerBorne = relevant.filter { book.counted[$0] }
        switch check.rule {
        case .noneByWorker:
            return charged(workerBorne, placement)
        case .noWageDeduction:
            let deductions = relevant.filter { book.records[$0].method == .wageDeduction }
            // A deduction that repays a recorded loan breaches the rule, but what the worker is
            // owed is the loan itself: owing the deductions too would count the money twice.
            var outcome = charged(deductions, placement)
            let repaidLoans = Set(outcome.owed.compactMap { book.loanRepaid(by: $0.record) })
            outcome.owed.removeAll { book.loanRepaid(by: $0.record) != nil }
            for loan in repaidLoans.sorted() {
                let outstanding = book.records[loan].amount - refundedByAsOf(loan)
                if outstanding.isPositive { outcome.owed.append(Owed(record: loan, amount: outstanding)) }
            }
            return outcome
        case .cap(let cap):
            return capped(workerBorne, placement, cap: cap)
        case .prohibited:
            guard !relevant.isEmpty else { return PlacementOutcome(outcome: .met) }
            var outcome = PlacementOutcome(outcome: .breach, evidence: relevant)
            outcome.owed = workerBorne.compactMap { i in
                let net = book.records[i].amount - refundedByAsOf(i)
                return net.isPositive ? Owed(record: i, amount: net) : nil
            }
            outcome.chargedInWage = inWage(workerBorne, placement)
            return outcome
        case .receipts:
            let needing = workerBorne.filter { book.records[$0].method != .wageDeduction }
            let missing = needing.filter { book.records[$0].receipt == false }
            if !missing.isEmpty { return PlacementOutcome(outcome: .breach, evidence: missing) }
            if needing.contains(where: { book.records[$0].receipt == nil }) { return PlacementOutcome(outcome: .unclassified) }
            return PlacementOutcome(outcome: .met)
        case .notBeforeContract:
            guard !workerBorne.isEmpty else { return PlacementOutcome(outcome: .met) }
            guard let signed = placement.contractSignedOn else { return PlacementOutcome(outcome: .unclassified) }
            let early = workerBorne.filter { book.records[$0].paidOn < signed }
            return PlacementOutcome(outcome: early.isEmpty ? .met : .breach, evidence: early)
        case .refundWithinDays(let days):
            return refundedWithin(days, workerBorne, placement)
        }
    }

    private func refundedByAsOf(_ i: Int) -> ExactDecimal {
        let record = book.records[i]
        guard let on = record.refundedOn, on <= input.asOf else { return .zero }
        return record.refundedAmount
    }

    private func refundedInTime(_ i: Int) -> ExactDecimal {
        let record = book.records[i]
        guard let on = record.refundedOn, on <= input.asOf, on - record.paidOn <= refundWindow else { return .zero }
        return record.refundedAmount
    }

    /// Gross amount of `records` in the placement's wage currency (nil without a wage).
    private func inWage(_ records: [Int], _ placement: Placement) -> ExactDecimal? {
        guard let currency = placement.wageCurrency else { return nil }
        var total = ExactDecimal.zero
        for i in records {
            let r = book.records[i]
            guard let converted = input.rates.convert(r.amount, from: r.currency, to: currency, on: r.paidOn) else { return nil }
            total += converted
        }
        return total
    }

    /// Every amount in `records` breaks the rule: owed unless refunded; remedied when refunded
    /// in full within the window; not met with nothing owed when refunded late.
    private func charged(_ records: [Int], _ placement: Placement) -> PlacementOutcome {
        let charged = records.filter { book.records[$0].amount.isPositive }
        guard !charged.isEmpty else { return PlacementOutcome(outcome: .met) }
        var outcome = PlacementOutcome(outcome: .breach, evidence: charged)
        outcome.chargedInWage = inWage(charged, placement)
        for i in charged {
            let outstanding = book.records[i].amount - refundedByAsOf(i)
            if outstanding.isPositive { outcome.owed.append(Owed(record: i, amount: outstanding)) }
        }
        let allInTime = charged.allSatisfy { refundedInTime($0) >= book.records[$0].amount }
        if outcome.owed.isEmpty && allInTime { outcome.outcome = .remedied }
        return outcome
    }

    /// The worker's total is at most the cap; the excess is owed from the latest payments first.
    private func capped(_ records: [Int], _ placement: Placement, cap: FeeCheck.Cap) -> PlacementOutcome {
        guard !records.isEmpty else { return PlacementOutcome(outcome: .met) }
        let limit: ExactDecimal
        let currency: String
        switch cap {
        case .amount(let amount, let capCurrency):
            limit = amount; currency = capCurrency
        case .wageMonths(let months):
            guard let wage = placement.monthlyWage, let wageCurrency = placement.wageCurrency else { return PlacementOutcome(outcome: .unclassified) }
            limit = months * wage; currency = wageCurrency
        case .wageMonthsPerContractYear(let perYear, let maxMonths):
            guard let wage = placement.monthlyWage, let wageCurrency = placement.wageCurrency,
                  let contract = placement.contractMonths else { return PlacementOutcome(outcome: .unclassified) }
            let months = (ExactDecimal.multiply(perYear, by: ExactDecimal(contract), dividedBy: ExactDecimal(12)) ?? .zero).min(maxMonths)
            limit = months * wage; currency = wageCurrency
        }
        func converted(_ amount: ExactDecimal, _ i: Int) -> ExactDecimal {
            let r = book.records[i]
            return input.rates.convert(amount, from: r.currency, to: currency, on: r.paidOn) ?? amount
        }
        let gross = records.map { converted(book.records[$0].amount, $0) }.sum()
        let excess = gross - limit
        guard excess.isPositive else { return PlacementOutcome(outcome: .met) }
        let net = records.map { converted(book.records[$0].amount - refundedByAsOf($0), $0) }.sum()
        let netInTime = records.map { converted(book.records[$0].amount - refundedInTime($0), $0) }.sum()
        // Latest payments first; ties by input order, latest line first.
        let latestFirst = records.sorted { (book.records[$0].paidOn, $0) > (book.records[$1].paidOn, $1) }
        var outcome = PlacementOutcome(outcome: .breach)
        outcome.evidence = Self.take(excess, from: latestFirst) { converted(book.records[$0].amount, $0) }.map(\.0)
        if let wageCurrency = placement.wageCurrency, let latest = latestFirst.first {
            outcome.chargedInWage = input.rates.convert(excess, from: currency, to: wageCurrency, on: book.records[latest].paidOn)
        }
        let outstanding = net - limit
        if outstanding.isPositive {
            for (i, portion) in Self.take(outstanding, from: latestFirst, capacity: { converted(book.records[$0].amount - refundedByAsOf($0), $0) }) {
                let r = book.records[i]
                let capacity = converted(r.amount - refundedByAsOf(i), i)
                let amount = portion == capacity ? r.amount - refundedByAsOf(i)
                    : (input.rates.convert(portion, from: currency, to: r.currency, on: r.paidOn) ?? portion)
                outcome.owed.append(Owed(record: i, amount: amount))
            }
        } else if !(netInTime - limit).isPositive {
            outcome.outcome = .remedied
        }
        return outcome
    }

    /// Splits `total` over records in order, each taking at most its capacity.
    static func take(_ total: ExactDecimal, from records: [Int], capacity: (Int) -> ExactDecimal) -> [(Int, ExactDecimal)] {
        var remaining = total
        var parts: [(Int, ExactDecimal)] = []
        for i in records where remaining.isPositive {
            let available = capacity(i)
            guard available.isPositive else { continue }
            let part = available.min(remaining)
            parts.append((i, part))
            remaining -= part
        }
        return parts
    }

    /// Every worker-borne amount must be refunded within `days` of payment.
    private func refundedWithin(_ days: Int, _ records: [Int], _ placement: Placement) -> PlacementOutcome {
        var outcome = PlacementOutcome(outcome: .met)
        for i in records where book.records[i].amount.isPositive {
            let r = book.records[i]
            let due = r.paidOn + days
            if let on = r.refundedOn, on <= input.asOf, r.refundedAmount >= r.amount, on <= due { continue }
            let outstanding = r.amount - refundedByAsOf(i)
            if input.asOf < due {
                if outstanding.isPositive {
                    outcome.pending.append(PendingRefund(standard: standard.id, requirement: requirement.id, workerID: r.workerID,
                                                         amount: outstanding, currency: r.currency, dueDate: due, location: r.location))
                }
                continue
            }
            outcome.outcome = .breach
            outcome.evidence.append(i)
            if outstanding.isPositive { outcome.owed.append(Owed(record: i, amount: outstanding)) }
        }
        if outcome.outcome == .breach { outcome.chargedInWage = inWage(outcome.evidence, placement) }
        return outcome
    }
}
