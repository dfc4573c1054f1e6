/// Evaluates one requirement's checks for one agency.
struct RequirementEvaluator {
    let standard: Standard
    let requirement: Requirement
    let input: AuditInput
    let book: PlacementBook
    /// Scoped waivers in force for this requirement (see ``FeeCheckEvaluator/waived``).
    var waived: [Waiver] = []

    func evaluate() -> (RequirementResult, [PendingRefund]) {
        var results: [CheckResult] = []
        var pending: [PendingRefund] = []
        for (offset, check) in requirement.checks.enumerated() {
            var result: CheckResult
            if let blocked = conditionResult(check.when, index: offset + 1, isFee: check.isFee) {
                result = blocked
            } else {
                switch check.kind {
                case .question(let question):
                    result = evaluateQuestion(question, index: offset + 1)
                case .fees(let fee):
                    let (feeResult, pendingHere) = FeeCheckEvaluator(
                        standard: standard, requirement: requirement, check: fee, input: input, book: book, waived: waived
                    ).evaluate(index: offset + 1)
                    result = feeResult
                    pending += pendingHere
                case .registry:
                    result = RegistryCheckEvaluator(standard: standard, requirement: requirement, input: input, book: book,
                                                    waived: waived).evaluate(index: offset + 1)
                }
            }
            results.append(result)
        }
        markContradictedClaims(&results)
        let status = Self.combine(results.map(\.status))
        let severity = results.compactMap(\.gradedSeverity).max() ?? requirement.severity
        return (RequirementResult(standard: standard.id, requirement: requirement, status: status,
                                  severity: severity, checks: results), pending)
    }

    /// A requirement is the worst of its checks; not assessed if any applicable check is not
    /// assessed, unless another is not met (§4).
    static func combine(_ statuses: [Status]) -> Status {
        let applicable = statuses.filter { $0 != .notApplicable }
        if applicable.isEmpty { return .notApplicable }
        if applicable.contains(.notMet) { return .notMet }
        if applicable.contains(.notAssessed) { return .notAssessed }
        if applicable.contains(.partiallyMet) { return .partiallyMet }
        return .met
    }

    /// A question beside a fee check claims what the fee check verifies: answered compliant while
    /// the fee check is not met, it counts as not met and is reported as a contradicted claim.
    private func markContradictedClaims(_ results: inout [CheckResult]) {
        guard results.contains(where: { $0.isFeeCheck && $0.status == .notMet }) else { return }
        for i in results.indices where !results[i].isFeeCheck && results[i].status == .met {
            guard case .question(let question) = requirement.checks[i].kind, question.answer != .text else { continue }
            results[i].status = .notMet
            results[i].claimContradicted = true
            results[i].message = "the answer to \(question.id) claims compliance, but the fee records show a breach"
        }
    }

    /// The result of a check whose `when` condition keeps it from applying, or nil if it applies.
    private func conditionResult(_ condition: Condition?, index: Int, isFee: Bool) -> CheckResult? {
        guard let condition else { return nil }
        guard let answer = input.answers[condition.question], !answer.value.isEmpty else {
            return CheckResult(index: index, status: .notAssessed, isFeeCheck: isFee,
                               message: "condition \(condition.question) is not answered", missing: [condition.question])
        }
        if answer.value == condition.answer.lowercased() { return nil }
        return CheckResult(index: index, status: .notApplicable, isFeeCheck: isFee,
                           message: "applies only where \(condition.question) is answered \"\(condition.answer)\"")
    }

    private func evaluateQuestion(_ question: Question, index: Int) -> CheckResult {
        guard let answer = input.answers[question.id], !answer.value.isEmpty else {
            return CheckResult(index: index, status: question.answer == .text ? .notApplicable : .notAssessed,
                               isFeeCheck: false, message: "\(question.id) is not answered", missing: [question.id])
        }
        var result = CheckResult(index: index, status: .met, isFeeCheck: false, message: "")
        result.evidence = [answer.location]
        let value = answer.value
        if value == "na" {
            result.status = .notApplicable
            result.message = "\(question.id) answered not applicable"
            return result
        }
        switch question.expect {
        case .unscored:
            result.status = .notApplicable // text answers are evidence, never scored
            result.message = "\(question.id) answered (not scored)"
        case .answer(let expected):
            if value == expected {
                result.status = .met
            } else if value == "partial" {
                result.status = .partiallyMet
            } else {
                result.status = .notMet
            }
            result.message = "\(question.id) answered \"\(value)\", expected \"\(expected)\""
        case .range(let min, let max):
            let number = ExactDecimal(parsing: value) ?? .zero
            let ok = (min.map { number >= $0 } ?? true) && (max.map { number <= $0 } ?? true)
            result.status = ok ? .met : .notMet
            let bounds = [min.map { "at least \($0)" }, max.map { "at most \($0)" }].compactMap { $0 }.joined(separator: " and ")
            result.message = "\(question.id) answered \(value), expected \(bounds)"
        case .withinDays(let days):
            let date = Day(iso: value) ?? Day(ordinal: Int.min / 2)
            let ok = input.asOf - days <= date && date <= input.asOf
            result.status = ok ? .met : .notMet
            result.message = "\(question.id) answered \(value), expected a date within \(days) days before \(input.asOf)"
        }
        return result
    }
}

extension Check {
    /// Fee and registry checks decide from records; questions from answers.
    public var isFee: Bool { if case .question = kind { false } else { true } }
}
