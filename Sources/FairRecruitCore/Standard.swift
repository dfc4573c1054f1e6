/// A standard as loaded from the library: principles and requirements, each with its checks.
/// Values here are already validated; category groups are still symbolic and are resolved when
/// a ``StandardPlan`` is compiled.
public struct Standard: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable { case international, national, industry, corporate }

    public var id: String
    public var title: String
    public var version: String
    public var publisher: String
    public var source: String
    public var kind: Kind
    public var scope: Scope
    public var principles: [Principle]
    public var requirements: [Requirement]
    /// Where the standard was loaded from, and its SHA-256 (hex), for the report.
    public var path: String
    public var sha256: String

    public init(id: String, title: String, version: String, publisher: String, source: String, kind: Kind,
                scope: Scope, principles: [Principle], requirements: [Requirement], path: String, sha256: String) {
        self.id = id; self.title = title; self.version = version; self.publisher = publisher
        self.source = source; self.kind = kind; self.scope = scope; self.principles = principles
        self.requirements = requirements; self.path = path; self.sha256 = sha256
    }

    /// Every question the standard asks, in order of appearance.
    public var questions: [Question] {
        requirements.flatMap { $0.checks }.compactMap { if case .question(let q) = $0.kind { q } else { nil } }
    }
}

public struct Principle: Sendable, Hashable {
    public var id: String
    public var title: String
    public init(id: String, title: String) { self.id = id; self.title = title }
}

public enum Severity: String, Sendable, Hashable, CaseIterable, Comparable {
    case critical, major, minor

    /// Larger is worse.
    public var rank: Int { switch self { case .critical: 3; case .major: 2; case .minor: 1 } }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }

    public var defaultWeight: Int { switch self { case .critical: 5; case .major: 3; case .minor: 1 } }
    public var defaultDeadlineDays: Int { switch self { case .critical: 30; case .major: 90; case .minor: 180 } }
}

public enum Owner: String, Sendable, Hashable, CaseIterable { case agency, employer, both }

public struct Requirement: Sendable, Hashable {
    public var id: String
    public var principle: String
    public var title: String
    public var severity: Severity
    public var weight: Int
    public var references: [String]
    public var scope: Scope
    public var effective: DateRange
    public var citation: String?
    public var source: String?
    public var checks: [Check]
    public var remediation: String
    public var evidence: String
    public var owner: Owner
    /// Nil means the severity's default (or the graded severity's default).
    public var deadlineDays: Int?
    public var verified: Bool

    public init(id: String, principle: String, title: String, severity: Severity, weight: Int? = nil,
                references: [String] = [], scope: Scope = Scope(), effective: DateRange = DateRange(),
                citation: String? = nil, source: String? = nil, checks: [Check], remediation: String,
                evidence: String, owner: Owner, deadlineDays: Int? = nil, verified: Bool = true) {
        self.id = id; self.principle = principle; self.title = title; self.severity = severity
        self.weight = weight ?? severity.defaultWeight; self.references = references; self.scope = scope
        self.effective = effective; self.citation = citation; self.source = source; self.checks = checks
        self.remediation = remediation; self.evidence = evidence; self.owner = owner
        self.deadlineDays = deadlineDays; self.verified = verified
    }

    public var feeCheck: FeeCheck? {
        for check in checks { if case .fees(let fee) = check.kind { return fee } }
        return nil
    }
}

/// Who a standard or requirement applies to. An empty list means "any".
public struct Scope: Sendable, Hashable {
    public var origin: [String]
    public var destination: [String]
    public var sectors: [String]
    public var occupations: [String]
    /// Records matching any non-empty list here are out of scope.
    public var except: ScopeExcept

    public init(origin: [String] = [], destination: [String] = [], sectors: [String] = [],
                occupations: [String] = [], except: ScopeExcept = ScopeExcept()) {
        self.origin = origin; self.destination = destination; self.sectors = sectors
        self.occupations = occupations; self.except = except
    }

    public var isEmpty: Bool {
        origin.isEmpty && destination.isEmpty && sectors.isEmpty && occupations.isEmpty && except.isEmpty
    }
}

public struct ScopeExcept: Sendable, Hashable {
    public var origin: [String] = []
    public var destination: [String] = []
    public var sectors: [String] = []
    public var occupations: [String] = []
    public init(origin: [String] = [], destination: [String] = [], sectors: [String] = [], occupations: [String] = []) {
        self.origin = origin; self.destination = destination; self.sectors = sectors; self.occupations = occupations
    }
    public var isEmpty: Bool { origin.isEmpty && destination.isEmpty && sectors.isEmpty && occupations.isEmpty }
}

/// An inclusive date range; either end may be open.
public struct DateRange: Sendable, Hashable {
    public var from: Day?
    public var to: Day?
    public init(from: Day? = nil, to: Day? = nil) { self.from = from; self.to = to }
    public func contains(_ day: Day) -> Bool {
        if let from, day < from { return false }
        if let to, to < day { return false }
        return true
    }
}

public struct Check: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case fees(FeeCheck)
        case question(Question)
        case registry
    }
    public var kind: Kind
    public var when: Condition?
    public init(_ kind: Kind, when: Condition? = nil) { self.kind = kind; self.when = when }
}

/// `when: {question: ID, answer: yes}`: the check applies only where the agency gave that answer.
public struct Condition: Sendable, Hashable {
    public var question: String
    public var answer: String
    public init(question: String, answer: String) { self.question = question; self.answer = answer }
}

public struct Question: Sendable, Hashable {
    public enum AnswerType: String, Sendable, Hashable, CaseIterable {
        case yesNo = "yes_no", yesPartialNo = "yes_partial_no", number, date, text
    }
    public enum Expectation: Sendable, Hashable {
        case answer(String)                      // "yes" or "no"
        case range(min: ExactDecimal?, max: ExactDecimal?)
        case withinDays(Int)
        case unscored                            // asked, never scored: text answers and pure conditions
    }
    public var id: String
    public var text: String
    public var answer: AnswerType
    public var expect: Expectation
    public var allowNA: Bool
    public init(id: String, text: String, answer: AnswerType, expect: Expectation, allowNA: Bool = false) {
        self.id = id; self.text = text; self.answer = answer; self.expect = expect; self.allowNA = allowNA
    }
}

public struct FeeCheck: Sendable, Hashable {
    public enum Rule: Sendable, Hashable {
        case noneByWorker
        case cap(Cap)
        case prohibited
        case receipts
        case refundWithinDays(Int)
        case noWageDeduction
        case notBeforeContract

        public var name: String {
            switch self {
            case .noneByWorker: "none_paid_by_worker"
            case .cap: "cap"
            case .prohibited: "prohibited"
            case .receipts: "receipts"
            case .refundWithinDays: "refund_within_days"
            case .noWageDeduction: "no_wage_deduction"
            case .notBeforeContract: "not_before_contract"
            }
        }
        public static let names = ["none_paid_by_worker", "cap", "prohibited", "receipts",
                                   "refund_within_days", "no_wage_deduction", "not_before_contract"]
    }

    public enum Cap: Sendable, Hashable {
        case amount(ExactDecimal, currency: String)
        case wageMonths(ExactDecimal)
        case wageMonthsPerContractYear(ExactDecimal, max: ExactDecimal)
    }

    public var rule: Rule
    /// Category codes or group names, as written.
    public var categories: [String]
    public var except: [String]
    public var refundWindowDays: Int
    public var grading: Grading?

    public init(rule: Rule, categories: [String], except: [String] = [], refundWindowDays: Int = 90, grading: Grading? = nil) {
        self.rule = rule; self.categories = categories; self.except = except
        self.refundWindowDays = refundWindowDays; self.grading = grading
    }
}

/// The RBA-style fee matrix: severity from the share of workers affected and the depth of fees.
public struct Grading: Sendable, Hashable {
    public struct Row: Sendable, Hashable {
        public var maxShare: ExactDecimal?
        public var orMaxWorkers: Int?
        public var severities: [Severity]
        public init(maxShare: ExactDecimal?, orMaxWorkers: Int?, severities: [Severity]) {
            self.maxShare = maxShare; self.orMaxWorkers = orMaxWorkers; self.severities = severities
        }
    }
    public var refundWindowDays: Int
    /// Column lower bounds in months of wage; the first column starts at 0.
    public var depth: [ExactDecimal]
    public var rows: [Row]
    public var refundedRows: [Row]
    public init(refundWindowDays: Int, depth: [ExactDecimal], rows: [Row], refundedRows: [Row]) {
        self.refundWindowDays = refundWindowDays; self.depth = depth; self.rows = rows; self.refundedRows = refundedRows
    }
}
