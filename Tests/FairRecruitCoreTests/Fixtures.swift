@testable import FairRecruitCore

/// Small builders so each test states only what it is about.
enum Fixture {
    static let asOf = Day(iso: "2026-06-30")!

    static let categories = FeeCategories(categories: [
        .init(code: "recruitment_fee", title: "Recruitment fee"),
        .init(code: "medical", title: "Medical"),
        .init(code: "travel", title: "Travel"),
        .init(code: "air_ticket", title: "Air ticket", parent: "travel"),
        .init(code: "visa", title: "Visa"),
        .init(code: "bribe", title: "Bribe"),
        .init(code: "bond", title: "Bond"),
    ], groups: ["illegitimate": ["bribe", "bond"], "related_cost": ["medical", "travel", "visa"]])

    static let rates = ExchangeRates([
        .init(currency: "USD", unitsPerUSD: ExactDecimal(1), asOf: Day(iso: "2000-01-01")!, source: "test"),
        .init(currency: "NPR", unitsPerUSD: ExactDecimal(100), asOf: Day(iso: "2024-01-01")!, source: "test"),
        .init(currency: "NPR", unitsPerUSD: ExactDecimal(125), asOf: Day(iso: "2026-01-01")!, source: "test"),
        .init(currency: "MYR", unitsPerUSD: ExactDecimal(4), asOf: Day(iso: "2024-01-01")!, source: "test"),
    ])

    static func requirement(_ id: String, severity: Severity = .major, weight: Int? = nil, _ checks: [Check],
                            scope: Scope = Scope(), effective: DateRange = DateRange(), deadline: Int? = nil,
                            owner: Owner = .agency, verified: Bool = true) -> Requirement {
        Requirement(id: id, principle: "fees", title: "Requirement \(id)", severity: severity, weight: weight,
                    scope: scope, effective: effective, citation: "Test citation", checks: checks,
                    remediation: "Fix \(id).", evidence: "Proof for \(id).", owner: owner, deadlineDays: deadline, verified: verified)
    }

    static func standard(_ requirements: [Requirement], id: String = "test-std", scope: Scope = Scope(),
                         principles: [Principle] = [Principle(id: "fees", title: "Fees")]) -> Standard {
        Standard(id: id, title: "Test standard", version: "1", publisher: "Tests", source: "https://example.org",
                 kind: .international, scope: scope, principles: principles, requirements: requirements,
                 path: "test.yaml", sha256: "00")
    }

    static func fee(_ rule: FeeCheck.Rule, _ categories: [String], except: [String] = [], window: Int = 90,
                    grading: Grading? = nil, when: Condition? = nil) -> Check {
        Check(.fees(FeeCheck(rule: rule, categories: categories, except: except, refundWindowDays: window, grading: grading)), when: when)
    }

    static func question(_ id: String, _ type: Question.AnswerType = .yesNo, expect: Question.Expectation = .answer("yes"),
                         allowNA: Bool = false, when: Condition? = nil) -> Check {
        Check(.question(Question(id: id, text: "Question \(id)?", answer: type, expect: expect, allowNA: allowNA)), when: when)
    }

    private nonisolated(unsafe) static var line = 1

    static func record(_ worker: String, _ category: String, _ amount: String, _ currency: String = "NPR",
                       paidBy: Payer = .worker, on paid: String = "2026-03-01", method: PaymentMethod? = nil,
                       receipt: Bool? = nil, refund: (String, String)? = nil, wage: (String, String)? = nil,
                       contractMonths: Int? = nil, signed: String? = nil, occupation: String? = nil,
                       destination: String = "MY", origin: String = "NP", employer: String? = nil,
                       id: String? = nil, repays: String? = nil, line: Int) -> FeeRecord {
        var r = FeeRecord(agencyID: "AG-1", workerID: worker, origin: origin, destination: destination, category: category,
                          amount: ExactDecimal(parsing: amount)!, currency: currency, paidBy: paidBy, paidOn: Day(iso: paid)!,
                          method: method, receipt: receipt, location: SourceLocation(file: "fees.csv", line: line))
        if let (amount, on) = refund { r.refundedAmount = ExactDecimal(parsing: amount)!; r.refundedOn = Day(iso: on)! }
        if let (amount, currency) = wage { r.monthlyWage = ExactDecimal(parsing: amount)!; r.wageCurrency = currency }
        r.contractMonths = contractMonths
        r.contractSignedOn = signed.flatMap { Day(iso: $0) }
        r.occupation = occupation
        r.employer = employer
        r.recordID = id
        r.repays = repays
        return r
    }

    static func answer(_ question: String, _ value: String, line: Int = 2) -> (String, Answer) {
        (question, Answer(agencyID: "AG-1", questionID: question, value: value, location: SourceLocation(file: "answers.csv", line: line)))
    }

    static func audit(_ standards: [Standard], records: [FeeRecord] = [], answers: [(String, Answer)] = [],
                      feesProvided: Bool = true, asOf: Day = asOf, waivers: [Waiver] = [], allowCriticalWaivers: Bool = false,
                      memory: AuditMemory? = nil) -> AuditResult {
        var input = AuditInput(agencyID: "AG-1", asOf: asOf, records: records, answers: Dictionary(answers, uniquingKeysWith: { a, _ in a }),
                               feesProvided: feesProvided, categories: categories, rates: rates)
        input.waivers = waivers
        input.allowCriticalWaivers = allowCriticalWaivers
        input.memory = memory
        return AuditEngine().audit(standards, input: input)
    }

    static func waiver(_ requirement: String, agency: String = "AG-1", workers: [String] = [], destinations: [String] = [],
                       expires: String = "2026-12-31", line: Int = 3) -> Waiver {
        Waiver(standard: "test-std", requirement: requirement, agency: agency, workers: workers, destinations: destinations,
               reason: "Accepted", approver: "Auditor", expires: Day(iso: expires)!, location: SourceLocation(file: "waivers.yaml", line: line))
    }

    static func audit(_ requirement: Requirement, records: [FeeRecord] = [], answers: [(String, Answer)] = []) -> RequirementResult {
        audit([standard([requirement])], records: records, answers: answers).requirements[0]
    }
}

extension ExactDecimal {
    /// Test shorthand: `"12.5".decimal`.
    static func d(_ text: String) -> ExactDecimal { ExactDecimal(parsing: text)! }
}
