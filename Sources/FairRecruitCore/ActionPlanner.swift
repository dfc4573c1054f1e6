/// Findings: one per failing check, id `standard/requirement/N` (§7).
enum FindingBuilder {
    static func findings(_ results: [RequirementResult], input: AuditInput) -> [Finding] {
        var findings: [Finding] = []
        for result in results {
            for check in result.checks where check.status.isFailing {
                let r = result.requirement
                findings.append(Finding(
                    id: "\(result.standard)/\(r.id)/\(check.index)", standard: result.standard, requirement: r.id,
                    status: check.status, severity: check.gradedSeverity ?? result.severity, gradingCell: check.gradingCell,
                    message: check.message, citation: r.citation, verified: r.verified,
                    claimContradicted: check.claimContradicted, workersAffected: check.workersAffected,
                    workersAssessed: check.workersAssessed, workersRemedied: check.workersRemedied,
                    workersUnclassified: check.workersUnclassified, evidence: check.evidence, workers: check.workers))
                findings[findings.count - 1].waived = result.waiver != nil && !result.failsUnderWaivers(check: check.index)
            }
        }
        return findings
    }
}

/// The improvement action plan (§5).
struct ActionPlanner {
    let requirements: [RequirementResult]
    /// Each requirement's ``RequirementResult/owedPerRecord``.
    let owed: [[Owed]]
    let input: AuditInput
    let book: PlacementBook

    func actions() -> [Action] {
        let current = ScoreSummary(requirements).scoreTenths
        var actions: [Action] = []
        for (i, result) in requirements.enumerated() {
            let r = result.requirement
            let id = "\(result.standard)/\(r.id)"
            // The deadline runs from the audit that first detected the finding (§5).
            func detected(_ id: String) -> Day { input.memory?.previous?.actions[id]?.firstDetected ?? input.asOf }
            let waived = result.waiver != nil
            if result.status.isFailing {
                actions.append(Action(
                    id: id, kind: .remediation, standard: result.standard, requirement: r.id, severity: result.severity,
                    title: r.title, steps: r.remediation, evidence: r.evidence, owner: r.owner,
                    dueDate: detected(id) + result.deadlineDays,
                    scoreGainTenths: scoreGain(ifMet: i, current: current), citation: r.citation,
                    reimbursements: reimbursements(i), firstDetected: detected(id),
                    waived: waived && !result.scored.status.isFailing))
            }
            for check in result.checks where check.claimContradicted {
                guard case .question(let question) = r.checks[check.index - 1].kind else { continue }
                actions.append(Action(
                    id: id + "#claim", kind: .claim, standard: result.standard, requirement: r.id, severity: result.severity,
                    title: "Correct the self-assessment answer to \(question.id): the fee records contradict it",
                    steps: "Review the fee records cited in the finding, correct the answer to \(question.id) and explain the discrepancy.",
                    evidence: "A corrected self-assessment and the review of the cited records.", owner: r.owner,
                    dueDate: detected(id + "#claim") + result.deadlineDays,
                    scoreGainTenths: 0, citation: r.citation, reimbursements: [], firstDetected: detected(id + "#claim"),
                    waived: waived && !result.failsUnderWaivers(check: check.index)))
            }
            if result.status == .notAssessed {
                let missing = Array(Set(result.checks.filter { $0.status == .notAssessed }.flatMap(\.missing))).sorted()
                actions.append(Action(
                    id: id + "#evidence", kind: .evidence, standard: result.standard, requirement: r.id, severity: result.severity,
                    title: "Supply evidence for: \(r.title)",
                    steps: "Supply " + missing.joined(separator: "; ") + ".",
                    evidence: r.evidence, owner: r.owner, dueDate: detected(id + "#evidence") + result.deadlineDays,
                    scoreGainTenths: nil, citation: r.citation, reimbursements: [], firstDetected: detected(id + "#evidence"),
                    waived: waived && result.scored.status != .notAssessed))
            }
        }
        if let memory = input.memory {
            for i in actions.indices {
                actions[i].state = state(of: actions[i].id, memory: memory)
                actions[i].overdue = actions[i].state.isOutstanding && !actions[i].waived && actions[i].dueDate < input.asOf
            }
        }
        return actions.sorted { a, b in
            if a.severity != b.severity { return a.severity > b.severity }
            let ga = a.scoreGainTenths ?? -1, gb = b.scoreGainTenths ?? -1
            if ga != gb { return ga > gb }
            return a.id < b.id
        }
    }

    /// An action the previous audit also had keeps its recorded state, except that an audit that
    /// still finds an action marked done or verified (on or before its date) reopens it. An action
    /// the previous audit did not have starts open.
    private func state(of id: String, memory: AuditMemory) -> ActionState {
        guard let previous = memory.previous, let before = previous.actions[id] else { return .open }
        let recorded = memory.states[id] ?? RecordedState(state: before.state, on: previous.asOf)
        if !recorded.state.isOutstanding && recorded.on <= input.asOf { return .open }
        return recorded.state
    }

    /// How much the overall score (rounded, waivers applied) rises if requirement `index` becomes met.
    private func scoreGain(ifMet index: Int, current: Int?) -> Int {
        var changed = requirements
        changed[index].status = .met
        // Met in full, a scoped waiver has nothing left to change; a whole-requirement waiver still excludes it.
        if case .rescored = changed[index].waiver { changed[index].waiver = nil }
        guard let after = ScoreSummary(changed).scoreTenths else { return 0 }
        return after - (current ?? 0)
    }

    /// Per worker and currency, what requirement `index` owes (see ``RequirementResult/owedPerRecord``).
    private func reimbursements(_ index: Int) -> [Reimbursement] {
        let owed = owed[index]
        // Grouped by worker and currency numbers rather than by the two strings, and laid out
        // group after group in one array rather than in an array per group (growing those was a
        // quarter of this function with many standards, perf). `owed` is in record order, and so
        // is each group.
        var groupNumbers: [Int: Int] = [:]
        var groupOfEntry: [Int] = [], groupSizes: [Int] = []
        groupOfEntry.reserveCapacity(owed.count)
        var lastKey = -1, group = 0
        for entry in owed {
            let key = book.workerOfRecord[entry.record] * book.currencies.names.count + book.currencyOfRecord[entry.record]
            // A worker's records usually come together: compare with the last key before hashing it.
            if key != lastKey {
                lastKey = key
                group = groupNumbers[key] ?? groupSizes.count
                if group == groupSizes.count { groupNumbers[key] = group; groupSizes.append(0) }
            }
            groupOfEntry.append(group)
            groupSizes[group] += 1
        }
        var groupStarts: [Int] = []
        groupStarts.reserveCapacity(groupSizes.count + 1)
        var start = 0
        for size in groupSizes { groupStarts.append(start); start += size }
        groupStarts.append(start)
        var next = groupStarts
        var grouped = owed
        for (entry, group) in zip(owed, groupOfEntry) {
            grouped[next[group]] = entry
            next[group] += 1
        }
        return groupSizes.indices.map { group in
            let members = grouped[groupStarts[group]..<groupStarts[group + 1]]
            let first = members[members.startIndex].record
            // The least employer named, without an array of them for every line.
            var employer: String?
            for member in members {
                if let named = book.records[member.record].employer, employer.map({ named < $0 }) ?? true { employer = named }
            }
            return Reimbursement(
                workerID: book.records[first].workerID, amount: members.reduce(.zero) { $0 + $1.amount },
                currency: book.records[first].currency, payer: requirements[index].requirement.owner,
                employer: employer,
                records: members.map(\.record))
        }.sorted { ($0.workerID, $0.currency) < ($1.workerID, $1.currency) }
    }
}

/// The SDG 10.7.1 cost indicator: worker-borne costs in months of wage (§4).
enum FeeIndicator {
    static func summary(book: PlacementBook, input: AuditInput) -> FeeSummary {
        // By currency and worker number rather than by name (see PlacementBook).
        var perCurrency = [ExactDecimal?](repeating: nil, count: book.currencies.names.count)
        var charged = [Bool](repeating: false, count: book.workerIDs.count)
        var placements: [PlacementCost] = []
        placements.reserveCapacity(book.placements.count)
        var withoutWage = 0
        for placement in book.placements {
            var total = ExactDecimal.zero
            var convertible = true
            var paid = false
            for i in placement.records where book.counted[i] {
                let amount = book.records[i].amount, currency = book.currencyOfRecord[i]
                perCurrency[currency] = (perCurrency[currency] ?? .zero) + amount
                if amount.isPositive { charged[placement.worker] = true; paid = true }
                if let wageCurrency = placement.wageCurrency {
                    if let converted = book.convert(amount, ofRecord: i, to: wageCurrency) {
                        total += converted
                    } else {
                        convertible = false
                    }
                }
            }
            var ratio: ExactDecimal?
            if let wage = placement.monthlyWage, convertible { ratio = total / wage }
            if ratio == nil { withoutWage += 1 }
            placements.append(PlacementCost(origin: placement.origin, destination: placement.destination, employer: placement.employer,
                                            costToWage: ratio, charged: paid))
        }
        let ratios = placements.compactMap(\.costToWage)
        let (mean, median) = FeeSummary.meanAndMedian(ratios)
        return FeeSummary(
            records: book.records.count, workers: book.workerIDs.count, workersCharged: charged.count { $0 },
            workerBorne: book.currencies.byName(perCurrency),
            costToWageMean: mean, costToWageMedian: median, workersWithoutWage: withoutWage,
            denominator: ratios.count, placements: placements)
    }
}
