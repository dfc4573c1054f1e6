/// A place in an input file, 1-based.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int = 1) { self.file = file; self.line = line; self.column = column }
    public var description: String { "\(file):\(line):\(column)" }
    public static func < (a: Self, b: Self) -> Bool { (a.file, a.line, a.column) < (b.file, b.line, b.column) }
}

public enum Payer: String, Sendable, Hashable, CaseIterable { case worker, employer, agency, government, other }
public enum PaymentMethod: String, Sendable, Hashable, CaseIterable {
    case cash, bank, wageDeduction = "wage_deduction", loan, inKind = "in_kind"
}

/// One validated payment from a fee-record file. Columns that are not part of the contract
/// (names, passport numbers) and `description` never reach this value.
public struct FeeRecord: Sendable, Hashable {
    // `Optional<T>` rather than `T?`: a `var` spelled `T?` starts as nil, and with twelve of
    // them the initializer built every record in a temporary, then copied and destroyed it
    // (a third of rebuilding a store's records, callgrind).
    // Declared widest first (Swift lays fields out in declaration order): in the order of the
    // contract's columns, padding made a record 368 bytes instead of 336, and a single audit of
    // a million records holds them all.
    public var amount: ExactDecimal
    public var refundedAmount: ExactDecimal
    public var monthlyWage: Optional<ExactDecimal>
    public var agencyID: String
    public var workerID: String
    public var origin: String
    public var destination: String
    public var category: String
    public var currency: String
    public var wageCurrency: Optional<String>
    public var occupation: Optional<String>
    public var sector: Optional<String>
    public var employer: Optional<String>
    public var recordID: Optional<String>
    public var repays: Optional<String>
    public var location: SourceLocation
    public var paidOn: Day
    public var refundedOn: Optional<Day>
    public var contractMonths: Optional<Int>
    public var contractSignedOn: Optional<Day>
    public var paidBy: Payer
    public var method: Optional<PaymentMethod>
    public var receipt: Optional<Bool>

    /// Inlinable: a batch rebuilds every stored record through it (see FeeStore).
    @inlinable
    public init(agencyID: String, workerID: String, origin: String, destination: String, category: String,
                amount: ExactDecimal, currency: String, paidBy: Payer, paidOn: Day, method: PaymentMethod? = nil,
                receipt: Bool? = nil, refundedAmount: ExactDecimal = .zero, refundedOn: Day? = nil,
                monthlyWage: ExactDecimal? = nil, wageCurrency: String? = nil, contractMonths: Int? = nil,
                contractSignedOn: Day? = nil, occupation: String? = nil, sector: String? = nil,
                employer: String? = nil, recordID: String? = nil, repays: String? = nil,
                location: SourceLocation) {
        self.agencyID = agencyID; self.workerID = workerID; self.origin = origin; self.destination = destination
        self.category = category; self.amount = amount; self.currency = currency; self.paidBy = paidBy
        self.paidOn = paidOn; self.method = method; self.receipt = receipt; self.refundedAmount = refundedAmount
        self.refundedOn = refundedOn; self.monthlyWage = monthlyWage; self.wageCurrency = wageCurrency
        self.contractMonths = contractMonths; self.contractSignedOn = contractSignedOn; self.occupation = occupation
        self.sector = sector; self.employer = employer; self.recordID = recordID; self.repays = repays
        self.location = location
    }

    /// Paid by the worker, or recovered from the worker through a deduction or a loan (§3.2).
    public var isWorkerBorne: Bool { Self.isWorkerBorne(paidBy: paidBy, method: method) }
    static func isWorkerBorne(paidBy: Payer, method: PaymentMethod?) -> Bool {
        paidBy == .worker || method == .wageDeduction || method == .loan
    }
}

/// One answer from a self-assessment, already checked against its question's answer type.
public struct Answer: Sendable, Hashable {
    public var agencyID: String
    public var questionID: String
    /// Trimmed and case-folded for yes/no/partial/na; as written otherwise.
    public var value: String
    public var evidence: String?
    public var comment: String?
    public var location: SourceLocation
    public init(agencyID: String, questionID: String, value: String, evidence: String? = nil, comment: String? = nil, location: SourceLocation) {
        self.agencyID = agencyID; self.questionID = questionID; self.value = value
        self.evidence = evidence; self.comment = comment; self.location = location
    }
}

/// A row kept but worth a reader's attention (an unknown occupation, a `repays` naming no loan).
public struct DataQualityNote: Sendable, Hashable {
    public var location: SourceLocation
    public var code: String
    public var message: String
    public init(location: SourceLocation, code: String, message: String) {
        self.location = location; self.code = code; self.message = message
    }
}
