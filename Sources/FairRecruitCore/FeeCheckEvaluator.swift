/// Evaluates one fee check, placement by placement (§3.2).
struct FeeCheckEvaluator {
    let standard: Standard
    let requirement: Requirement
    let check: FeeCheck
    let input: AuditInput
    let book: PlacementBook
    /// By the book's category number: whether the check's categories include it.
    let coversCategory: [Bool]
    let scope: ScopeFilter
    /// Scoped waivers in force: the placements they cover are left out, as if out of scope.
    let waived: [Waiver]

    init(standard: Standard, requirement: Requirement, check: FeeCheck, input: AuditInput, book: PlacementBook, waived: [Waiver] = []) {
        self.standard = standard; self.requirement = requirement; self.check = check; self.input = input; self.book = book
        self.waived = waived
        coversCategory = input.categories.covers(book.categoryCodes, categories: check.categories, except: check.except)
        scope = ScopeFilter(standard: standard, requirement: requirement)
    }

    /// The refund window that separates "remedied in time" from "refunded late".
    var refundWindow: Int { check.grading?.refundWindowDays ?? check.refundWindowDays }

    enum Outcome { case outOfScope, unclassified, met, remedied, breach }

    struct PlacementOutcome {
        var outcome: Outcome
        /// Gross charged amount in the placement's wage currency, for grading depth.
        var chargedInWage: ExactDecimal?
    }

    /// What a check's placements add up to. A placement appends its evidence, what it owes and
    /// its pending refunds here, only when its outcome is met, remedied or a breach.
    struct Tally {
        var evidence: [Int] = []
        var owed: [Owed] = []
        var pending: [PendingRefund] = []
    }

    /// A placement's records that the rule looks at, in buffers reused from placement to placement
    /// rather than three new arrays for each.
    struct Scratch {
        /// In scope and in the check's categories.
        var relevant: [Int] = []
        /// Those of `relevant` that count as worker-borne.
        var workerBorne: [Int] = []
        /// A rule's own selection.
        var selected: [Int] = []
    }

    func evaluate(index: Int) -> (CheckResult, [PendingRefund]) {
        var result = CheckResult(index: index, status: .met, isFeeCheck: true, message: "")
        guard input.feesProvided, !book.records.isEmpty else {
            result.status = .notAssessed
            result.message = "no fee records"
            result.missing = ["fee records (--fees)"]
            return (result, [])
        }
        var workers = WorkerOutcomes(workers: book.workerIDs.count)
        var tally = Tally()
        var scratch = Scratch()
        var depths: [ExactDecimal?] = []
        var remediedDepths: [ExactDecimal?] = []
        for placement in book.placements {
            let outcome = evaluate(placement, scratch: &scratch, into: &tally)
            switch outcome.outcome {
            case .outOfScope: continue
            case .unclassified: workers.add(.unclassified, placement.worker)
            case .met: workers.add(.assessed, placement.worker)
            case .remedied:
                workers.add([.assessed, .remedied], placement.worker)
                remediedDepths.append(depth(outcome, placement))
            case .breach:
                workers.add([.assessed, .affected], placement.worker)
                depths.append(depth(outcome, placement))
            }
        }
        let counts = workers.counts()
        result.workersAssessed = counts.assessed
        result.workersAffected = counts.affected
        result.workersRemedied = counts.remedied
        result.workersUnclassified = counts.unclassified
        tally.evidence.sort()
        result.evidence = tally.evidence.map { book.records[$0].location }
        result.owed = tally.owed
        if counts.affected > 0 || counts.remedied > 0 { result.workers = workers.ids(ofAny: [.affected, .remedied], in: book) }
        if counts.affected > 0 {
            result.status = .notMet
        } else if counts.remedied > 0 {
            result.status = .partiallyMet
        } else if counts.assessed > 0 {
            result.status = .met
        } else if counts.unclassified > 0 {
            result.status = .notAssessed
            result.missing = ["the attributes this requirement's scope or rule needs (\(missingAttributes))"]
        } else {
            result.status = .notApplicable
        }
        result.message = message(result)
        if let grading = check.grading, result.status.isFailing {
            let refundedScenario = counts.affected == 0
            let graded = GradingTable(grading).grade(
                affected: refundedScenario ? remediedDepths : depths,
                assessed: counts.assessed, refunded: refundedScenario)
            result.gradedSeverity = graded.severity
            result.gradingCell = graded.cell
            result.workersWithoutWage = graded.withoutWage
            if graded.withoutWage > 0 {
                result.message += "; \(graded.withoutWage) worker(s) without a wage were graded in the deepest column"
            }
        }
        return (result, tally.pending)
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

    // MARK: - Rules

    func evaluate(_ placement: Placement, scratch: inout Scratch, into tally: inout Tally) -> PlacementOutcome {
        if waived.contains(where: { $0.covers(worker: placement.workerID, destination: placement.destination) }) {
            return PlacementOutcome(outcome: .outOfScope)
        }
        scratch.relevant.removeAll(keepingCapacity: true)
        scratch.workerBorne.removeAll(keepingCapacity: true)
        var anyInScope = false
        for i in placement.records {
            switch scope.match(record: i, of: placement, in: book) {
            case .unknown: return PlacementOutcome(outcome: .unclassified)
            case .outOfScope: continue
            case .inScope: anyInScope = true
            }
            guard coversCategory[book.categories[i]] else { continue }
            scratch.relevant.append(i)
            if book.counted[i] { scratch.workerBorne.append(i) }
        }
        if !anyInScope { return PlacementOutcome(outcome: .outOfScope) }
        switch check.rule {
        case .noneByWorker:
            return charged(scratch.workerBorne, placement, into: &tally)
        case .noWageDeduction:
            scratch.selected.removeAll(keepingCapacity: true)
            // Loops rather than closures over `self`, which copied the evaluator for every placement.
            for i in scratch.relevant where book.records[i].method == .wageDeduction { scratch.selected.append(i) }
            // A deduction that repays a recorded loan breaches the rule, but what the worker is
            // owed is the loan itself: owing the deductions too would count the money twice.
            let firstOwed = tally.owed.count
            let outcome = charged(scratch.selected, placement, into: &tally)
            guard tally.owed.count > firstOwed else { return outcome }
            let owedHere = Array(tally.owed[firstOwed...])
            tally.owed.removeSubrange(firstOwed...)
            tally.owed += owedHere.filter { book.loanRepaid(by: $0.record) == nil }
            let repaidLoans = Set(owedHere.compactMap { book.loanRepaid(by: $0.record) })
            for loan in repaidLoans.sorted() {
                let outstanding = book.records[loan].amount - refundedByAsOf(loan)
                if outstanding.isPositive { tally.owed.append(Owed(record: loan, amount: outstanding)) }
            }
            return outcome
        case .cap(let cap):
            return capped(scratch.workerBorne, placement, cap: cap, into: &tally)
        case .prohibited:
            guard !scratch.relevant.isEmpty else { return PlacementOutcome(outcome: .met) }
            tally.evidence += scratch.relevant
            for i in scratch.workerBorne {
                let net = book.records[i].amount - refundedByAsOf(i)
                if net.isPositive { tally.owed.append(Owed(record: i, amount: net)) }
            }
            return PlacementOutcome(outcome: .breach, chargedInWage: inWage(scratch.workerBorne, placement))
        case .receipts:
            var receiptUnknown = false
            let firstEvidence = tally.evidence.count
            for i in scratch.workerBorne where book.records[i].method != .wageDeduction {
                switch book.records[i].receipt {
                case false?: tally.evidence.append(i)
                case nil: receiptUnknown = true
                case true?: break
                }
            }
            if tally.evidence.count > firstEvidence { return PlacementOutcome(outcome: .breach) }
            return PlacementOutcome(outcome: receiptUnknown ? .unclassified : .met)
        case .notBeforeContract:
            guard !scratch.workerBorne.isEmpty else { return PlacementOutcome(outcome: .met) }
            guard let signed = placement.contractSignedOn else { return PlacementOutcome(outcome: .unclassified) }
            let firstEvidence = tally.evidence.count
            for i in scratch.workerBorne where book.records[i].paidOn < signed { tally.evidence.append(i) }
            return PlacementOutcome(outcome: tally.evidence.count > firstEvidence ? .breach : .met)
        case .refundWithinDays(let days):
            return refundedWithin(days, scratch.workerBorne, placement, into: &tally)
        }
    }

    private func refundedByAsOf(_ i: Int) -> ExactDecimal {
        guard let on = book.records[i].refundedOn, on <= input.asOf else { return .zero }
        return book.records[i].refundedAmount
    }

    private func refundedInTime(_ i: Int) -> ExactDecimal {
        guard let on = book.records[i].refundedOn, on <= input.asOf, on - book.records[i].paidOn <= refundWindow else { return .zero }
        return book.records[i].refundedAmount
    }

    /// Gross amount of `records` in the placement's wage currency (nil without a wage).
    private func inWage(_ records: some Collection<Int>, _ placement: Placement) -> ExactDecimal? {
        guard let currency = placement.wageCurrency else { return nil }
        var total = ExactDecimal.zero
        for i in records {
            guard let converted = book.convert(book.records[i].amount, ofRecord: i, to: currency) else { return nil }
            total += converted
        }
        return total
    }

    /// Every amount in `records` breaks the rule: owed unless refunded; remedied when refunded
    /// in full within the window; not met with nothing owed when refunded late.
    private func charged(_ records: [Int], _ placement: Placement, into tally: inout Tally) -> PlacementOutcome {
        let firstEvidence = tally.evidence.count, firstOwed = tally.owed.count
        var allInTime = true
        for i in records where book.records[i].amount.isPositive {
            tally.evidence.append(i)
            let outstanding = book.records[i].amount - refundedByAsOf(i)
            if outstanding.isPositive { tally.owed.append(Owed(record: i, amount: outstanding)) }
            if refundedInTime(i) < book.records[i].amount { allInTime = false }
        }
        let charged = tally.evidence[firstEvidence...]
        guard !charged.isEmpty else { return PlacementOutcome(outcome: .met) }
        let owesNothing = tally.owed.count == firstOwed
        return PlacementOutcome(outcome: owesNothing && allInTime ? .remedied : .breach, chargedInWage: inWage(charged, placement))
    }

    /// The worker's total is at most the cap; the excess is owed from the latest payments first.
    private func capped(_ records: [Int], _ placement: Placement, cap: FeeCheck.Cap, into tally: inout Tally) -> PlacementOutcome {
        guard !records.isEmpty else { return PlacementOutcome(outcome: .met) }
        let limit: ExactDecimal
        let currency: Int?
        switch cap {
        case .amount(let amount, let capCurrency):
            limit = amount; currency = book.currencies.number(ifKnown: capCurrency)
        case .wageMonths(let months):
            guard let wage = placement.monthlyWage, let wageCurrency = placement.wageCurrency else { return PlacementOutcome(outcome: .unclassified) }
            limit = months * wage; currency = wageCurrency
        case .wageMonthsPerContractYear(let perYear, let maxMonths):
            guard let wage = placement.monthlyWage, let wageCurrency = placement.wageCurrency,
                  let contract = placement.contractMonths else { return PlacementOutcome(outcome: .unclassified) }
            let months = (ExactDecimal.multiply(perYear, by: ExactDecimal(contract), dividedBy: ExactDecimal(12)) ?? .zero).min(maxMonths)
            limit = months * wage; currency = wageCurrency
        }
        /// In the cap's currency; unchanged where there is no rate to convert with.
        func converted(_ amount: ExactDecimal, _ i: Int) -> ExactDecimal {
            currency.flatMap { book.convert(amount, ofRecord: i, to: $0) } ?? amount
        }
        let gross = records.reduce(ExactDecimal.zero) { $0 + converted(book.records[$1].amount, $1) }
        let excess = gross - limit
        guard excess.isPositive else { return PlacementOutcome(outcome: .met) }
        let net = records.reduce(ExactDecimal.zero) { $0 + converted(book.records[$1].amount - refundedByAsOf($1), $1) }
        let netInTime = records.reduce(ExactDecimal.zero) { $0 + converted(book.records[$1].amount - refundedInTime($1), $1) }
        // Latest payments first; ties by input order, latest line first.
        let latestFirst = records.sorted { (book.records[$0].paidOn, $0) > (book.records[$1].paidOn, $1) }
        var outcome = PlacementOutcome(outcome: .breach)
        tally.evidence += Self.take(excess, from: latestFirst) { converted(book.records[$0].amount, $0) }.map(\.0)
        if let wageCurrency = placement.wageCurrency, let latest = latestFirst.first, let currency {
            outcome.chargedInWage = book.currencies.convert(excess, from: currency, to: wageCurrency, on: book.records[latest].paidOn)
        }
        let outstanding = net - limit
        if outstanding.isPositive {
            for (i, portion) in Self.take(outstanding, from: latestFirst, capacity: { converted(book.records[$0].amount - refundedByAsOf($0), $0) }) {
                let r = book.records[i]
                let capacity = converted(r.amount - refundedByAsOf(i), i)
                let amount = portion == capacity ? r.amount - refundedByAsOf(i)
                    : (currency.flatMap { book.currencies.convert(portion, from: $0, to: book.currencyOfRecord[i], on: r.paidOn) } ?? portion)
                tally.owed.append(Owed(record: i, amount: amount))
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
    private func refundedWithin(_ days: Int, _ records: [Int], _ placement: Placement, into tally: inout Tally) -> PlacementOutcome {
        var outcome = PlacementOutcome(outcome: .met)
        let firstEvidence = tally.evidence.count
        for i in records where book.records[i].amount.isPositive {
            let r = book.records[i]
            let due = r.paidOn + days
            if let on = r.refundedOn, on <= input.asOf, r.refundedAmount >= r.amount, on <= due { continue }
            let outstanding = r.amount - refundedByAsOf(i)
            if input.asOf < due {
                if outstanding.isPositive {
                    tally.pending.append(PendingRefund(standard: standard.id, requirement: requirement.id, workerID: r.workerID,
                                                       amount: outstanding, currency: r.currency, dueDate: due, location: r.location))
                }
                continue
            }
            outcome.outcome = .breach
            tally.evidence.append(i)
            if outstanding.isPositive { tally.owed.append(Owed(record: i, amount: outstanding)) }
        }
        if outcome.outcome == .breach { outcome.chargedInWage = inWage(tally.evidence[firstEvidence...], placement) }
        return outcome
    }
}

// MARK: - Scope

/// A requirement's scope narrowed by its standard's, with its `effective` dates, ready to test
/// records against; shared with registry checks. Only scopes that name something are kept, with
/// their sectors normalised once (building both scopes into an array for every record took 6%
/// of the engine, perf on a 1M-record audit).
struct ScopeFilter {
    enum Match { case inScope, outOfScope, unknown }

    let effective: DateRange
    let scopes: [Scope]

    init(standard: Standard, requirement: Requirement) {
        effective = requirement.effective
        scopes = [standard.scope, requirement.scope].filter { !$0.isEmpty }.map { scope in
            var normalised = scope
            normalised.sectors = scope.sectors.map(normalizedTerm)
            normalised.except.sectors = scope.except.sectors.map(normalizedTerm)
            return normalised
        }
    }

    /// Whether record `i` of the book falls within the scopes and the `effective` dates.
    func match(record i: Int, of placement: Placement, in book: PlacementBook) -> Match {
        guard effective.contains(book.records[i].paidOn) else { return .outOfScope }
        var unknown = false
        for scope in scopes {
            // Fields are read in place: a copy of the record would retain all of its strings.
            let origin = book.records[i].origin, destination = book.records[i].destination
            if !scope.origin.isEmpty, !scope.origin.contains(origin) { return .outOfScope }
            if !scope.destination.isEmpty, !scope.destination.contains(destination) { return .outOfScope }
            if scope.except.origin.contains(origin) || scope.except.destination.contains(destination) { return .outOfScope }
            switch Self.match(placement.occupation, list: scope.occupations, except: scope.except.occupations) {
            case .outOfScope: return .outOfScope
            case .unknown: unknown = true
            case .inScope: break
            }
            // Normalising a sector costs more than the rest of this test: only when a scope names sectors.
            if !scope.sectors.isEmpty || !scope.except.sectors.isEmpty {
                switch Self.match(book.records[i].sector.map(normalizedTerm), list: scope.sectors, except: scope.except.sectors) {
                case .outOfScope: return .outOfScope
                case .unknown: unknown = true
                case .inScope: break
                }
            }
        }
        return unknown ? .unknown : .inScope
    }

    static func match(_ value: String?, list: [String], except: [String]) -> Match {
        if list.isEmpty && except.isEmpty { return .inScope }
        guard let value, !value.isEmpty else { return .unknown }
        if !list.isEmpty && !list.contains(value) { return .outOfScope }
        if except.contains(value) { return .outOfScope }
        return .inScope
    }
}

/// Per worker (by number), the outcomes its placements had. A worker with several placements
/// counts once per kind, as sets of worker ids would count them.
struct WorkerOutcomes {
    struct Kinds: OptionSet {
        let rawValue: UInt8
        static let assessed = Kinds(rawValue: 1)
        static let affected = Kinds(rawValue: 2)
        static let remedied = Kinds(rawValue: 4)
        static let unclassified = Kinds(rawValue: 8)
    }

    private var kinds: [Kinds]

    init(workers: Int) { kinds = Array(repeating: [], count: workers) }

    mutating func add(_ added: Kinds, _ worker: Int) { kinds[worker].formUnion(added) }

    /// Assessed and affected as marked; remedied only if never affected, unclassified only if never assessed.
    func counts() -> (assessed: Int, affected: Int, remedied: Int, unclassified: Int) {
        var assessed = 0, affected = 0, remedied = 0, unclassified = 0
        for k in kinds {
            if k.contains(.assessed) { assessed += 1 }
            if k.contains(.affected) { affected += 1 }
            if k.contains(.remedied) && !k.contains(.affected) { remedied += 1 }
            if k.contains(.unclassified) && !k.contains(.assessed) { unclassified += 1 }
        }
        return (assessed, affected, remedied, unclassified)
    }

    /// The ids of the workers with any of `wanted`, sorted.
    func ids(ofAny wanted: Kinds, in book: PlacementBook) -> [String] {
        kinds.indices.filter { !kinds[$0].isDisjoint(with: wanted) }.map { book.workerIDs[$0] }.sorted()
    }
}
