import FairRecruitCore

/// A fee row once checked on its own: what the ledger needs from it, or why it was not taken.
/// Rows are checked where they are parsed (on worker threads for large files); only what spans
/// rows — ids numbered for the whole input, duplicate record ids, placements — is left for the
/// ledger, in file order.
///
/// A struct with the row beside the outcome, not an enum carrying the row: the ledger reads the
/// row in place, where matching an enum case copied it (about 300 bytes, and its Strings retained
/// and released) twice per row on the thread the parsing threads wait for — a twelfth of a 10M
/// batch's samples (perf).
struct CheckedFee: Sendable {
    enum Outcome: Sendable {
        case valid
        case otherAgency
        case otherEmployer
        case rejected(location: SourceLocation, reason: String, agencyID: String?)
    }
    var outcome: Outcome
    /// The row's values when the outcome is `valid`; empty otherwise.
    var fee: ValidFee

    static let otherAgency = CheckedFee(outcome: .otherAgency, fee: .empty)
    static let otherEmployer = CheckedFee(outcome: .otherEmployer, fee: .empty)
    static func rejected(location: SourceLocation, reason: String, agencyID: String?) -> CheckedFee {
        CheckedFee(outcome: .rejected(location: location, reason: reason, agencyID: agencyID), fee: .empty)
    }
    static func valid(_ fee: ValidFee) -> CheckedFee { CheckedFee(outcome: .valid, fee: fee) }
}

extension UnsafePointer<CheckedFee> {
    /// The row's values, in place (`pointee.fee` handed on would be a copy).
    var fee: UnsafePointer<ValidFee> { pointer(to: \.fee)! }
}

/// A valid row: codes as ``CodeTable`` numbers, ids still as text (in ``texts``).
struct ValidFee: Sendable {
    var fee: StoredFee
    var amount: ExactDecimal
    var refund: (amount: ExactDecimal, on: Int32)?
    /// Agency, worker, and the optional employer, sector, record id, repays, unknown occupation.
    var texts = RowTexts()
    /// The ``ByteInterner/hash(_:)`` of the record id and of `repays`, computed on the thread that
    /// checks the row: the ledger, which numbers ids in file order on one thread, then only probes.
    var recordIDHash: UInt64 = 0
    var repaysHash: UInt64 = 0
    /// The same for the worker id: a new worker misses the caches in a table of millions.
    var workerHash: UInt64 = 0
    var origin: UInt16
    var destination: UInt16
    var wage: (ExactDecimal, UInt16)?
    var wageCurrencyAssumed = false
    var contractMonths: Int32?
    var contractSigned: Int32?
    var occupation: UInt16?

    /// The values of a row that was not valid.
    static let empty = ValidFee(fee: StoredFee(), amount: .zero, origin: 0, destination: 0)
}

extension UnsafePointer<ValidFee> {
    /// The row's texts, in place.
    var texts: UnsafePointer<RowTexts> { pointer(to: \.texts)! }
}

/// A parsing thread's own copy of the checker, its `check` handed to the reader as a function.
/// Held in a `var` that the function captured, the copy was checked for exclusive access at run
/// time on every row (callgrind: about 120 instructions a row); only one thread calls this one,
/// and never while a call is under way.
final class ThreadChecker: @unchecked Sendable {
    @exclusivity(unchecked) private var checker: FeeRowChecker
    init(_ checker: FeeRowChecker) { self.checker = checker }
    func check(_ row: RawRow, into slot: UnsafeMutablePointer<CheckedFee>) { checker.check(row, into: slot) }
}

/// The checks of one fee row on its own (§3.4). A value with its own caches: one per thread.
struct FeeRowChecker: Sendable {
    let asOf: Day
    let categories: FeeCategories
    let occupations: Occupations
    let rates: ExchangeRates
    let codes: CodeTable
    /// When set, rows of other agencies are only counted.
    let agencyFilter: String?
    /// When set (`batch --employer`), rows at other workplaces, or naming none, are only counted.
    let employerFilter: Set<String>?
    /// By code number: whether a category needs a description.
    private let needsDescription: [Bool]
    // Each distinct text of a coded column is resolved once.
    private var countryTexts = TextCache(), currencyTexts = TextCache(), categoryTexts = TextCache()
    private var occupationTexts = TextCache(), agencyTexts = TextCache()
    private var payerTexts = TextCache(), methodTexts = TextCache(), receiptTexts = TextCache()

    init(asOf: Day, categories: FeeCategories, occupations: Occupations, rates: ExchangeRates, agencyFilter: String?,
         employerFilter: Set<String>?) {
        self.asOf = asOf; self.categories = categories; self.occupations = occupations; self.rates = rates
        self.agencyFilter = agencyFilter; self.employerFilter = employerFilter
        codes = CodeTable(CountryCodes.all.sorted() + rates.currencies + categories.categories.map(\.code) + occupations.codes)
        var needs = Array(repeating: false, count: codes.count)
        for category in categories.categories where category.requiresDescription { needs[Int(codes.number(category.code)!)] = true }
        needsDescription = needs
    }

    typealias Reason = FeeLedger.Reason

    /// The row checked on its own, made in `slot` (uninitialized memory).
    mutating func check(_ row: RawRow, into slot: UnsafeMutablePointer<CheckedFee>) {
        if let filter = agencyFilter, let agency = row.text(.agencyID), agency != filter, Validators.isAgencyID(agency) {
            return slot.initialize(to: .otherAgency)
        }
        if let employers = employerFilter, !(row.text(.employer).map(employers.contains) ?? false) {
            return slot.initialize(to: .otherEmployer)
        }
        if let problem = row.problem { return slot.initialize(to: .rejected(location: row.location, reason: problem, agencyID: row.text(.agencyID))) }
        do throws(Reason) {
            try parse(row, into: slot.pointer(to: \.fee)!)
            slot.pointer(to: \.outcome)!.initialize(to: .valid)
        } catch {
            slot.initialize(to: .rejected(location: row.location, reason: error.message, agencyID: row.text(.agencyID)))
        }
    }

    /// Makes the row's values in `parsed` (uninitialized memory), or throws why it is not valid,
    /// leaving `parsed` uninitialized. Made in place: returned as a value, the row was copied on
    /// its way to where it is kept (see ``RowBuffer``). Typed throws, not a `Result`.
    private mutating func parse(_ row: RawRow, into parsed: UnsafeMutablePointer<ValidFee>) throws(Reason) {
        for column in FeeColumn.required where row[column] == nil {
            throw Reason("missing \(column.name)")
        }
        guard agencyTexts.resolve(row[.agencyID]!, { Validators.isAgencyID($0) ? 0 : -1 }) >= 0 else {
            throw Reason("invalid agency_id '\(row.text(.agencyID)!)': 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        guard let origin = countryNumber(row[.origin]!) else { throw Reason("origin '\(row.text(.origin)!)' is not an ISO 3166-1 alpha-2 country code") }
        guard let destination = countryNumber(row[.destination]!) else {
            throw Reason("destination '\(row.text(.destination)!)' is not an ISO 3166-1 alpha-2 country code")
        }
        let categoryNumber = categoryTexts.resolve(row[.category]!) { text in categories.code(for: text).flatMap(codes.number).map(Int32.init) ?? -1 }
        guard categoryNumber >= 0 else {
            let categoryText = row.text(.category)!
            let suggestion = closestMatch(to: normalizedTerm(categoryText), in: categories.recordTerms)
            throw Reason("unknown category '\(categoryText)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? ""))
        }
        if needsDescription[Int(categoryNumber)] && row[.description] == nil {
            throw Reason("category '\(codes.text(UInt16(categoryNumber)))' needs a description")
        }
        let amount = try Validators.amount(row[.amount]!, "amount").get()
        guard let currency = currencyNumber(row[.currency]!) else {
            let text = row.text(.currency)!
            throw Reason("unknown currency '\(text)'\(currencyHint(text))")
        }
        let paidBy = payerTexts.resolve(row[.paidBy]!) { Validators.oneOf(StoredFee.payers.map(\.rawValue), $0) }
        guard paidBy >= 0 else {
            throw Reason("paid_by '\(row.text(.paidBy)!)' must be one of \(Payer.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let paidOn = try Validators.date(row[.paidOn]!, "paid_on").get()
        if asOf < paidOn { throw Reason("paid_on \(paidOn) is after the audit date \(asOf)") }
        var fee = StoredFee()
        fee.category = UInt16(categoryNumber)
        fee.currency = currency
        fee.paidBy = UInt8(paidBy)
        fee.paidOn = Int32(paidOn.ordinal)
        fee.line = Int32(row.line)
        parsed.initialize(to: ValidFee(fee: fee, amount: amount, origin: origin, destination: destination))
        do throws(Reason) { try parseOptional(row, into: parsed) } catch {
            parsed.deinitialize(count: 1)
            throw error
        }
    }

    /// The optional columns of a row whose required ones are in `parsed`.
    private mutating func parseOptional(_ row: RawRow, into parsed: UnsafeMutablePointer<ValidFee>) throws(Reason) {
        let amount = parsed.pointee.amount, paidOn = Day(ordinal: Int(parsed.pointee.fee.paidOn)), currency = parsed.pointee.fee.currency
        if let bytes = row[.method] {
            let method = methodTexts.resolve(bytes) { Validators.oneOf(StoredFee.methods.map(\.rawValue), $0) }
            guard method >= 0 else {
                throw Reason("method '\(row.text(.method)!)' must be one of \(PaymentMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            parsed.pointee.fee.method = UInt8(method + 1)
        }
        if let bytes = row[.receipt] {
            let answer = receiptTexts.resolve(bytes) { Validators.oneOf(["no", "yes"], $0) }
            guard answer >= 0 else { throw Reason("receipt '\(row.text(.receipt)!)' must be yes or no") }
            parsed.pointee.fee.receipt = UInt8(answer + 1)
        }
        switch (row[.refundedAmount], row[.refundedOn]) {
        case (nil, nil): break
        case (let amountBytes?, nil):
            // A value that is not an amount is told as such first (not as a missing date).
            if try Validators.amount(amountBytes, "refunded_amount").get().isZero { break }
            throw Reason("refunded_amount is given without refunded_on")
        case (nil, _?):
            throw Reason("refunded_on is given without refunded_amount")
        case (let amountBytes?, let dateBytes?):
            let refund = try Validators.amount(amountBytes, "refunded_amount").get()
            if amount < refund { throw Reason("refunded_amount \(refund) is larger than the payment \(amount)") }
            let on = try Validators.date(dateBytes, "refunded_on").get()
            if on < paidOn { throw Reason("refunded_on \(on) is before paid_on \(paidOn)") }
            parsed.pointee.refund = (refund, Int32(on.ordinal))
        }
        if let bytes = row[.monthlyWage] {
            guard let wage = ExactDecimal(utf8: bytes), wage.isPositive else {
                throw Reason("monthly_wage '\(row.text(.monthlyWage)!)' must be a number above 0")
            }
            if let wageBytes = row[.wageCurrency] {
                guard let wageCurrency = currencyNumber(wageBytes) else {
                    let text = row.text(.wageCurrency)!
                    throw Reason("unknown wage_currency '\(text)'\(currencyHint(text))")
                }
                parsed.pointee.wage = (wage, wageCurrency)
            } else {
                parsed.pointee.wage = (wage, currency)
                parsed.pointee.wageCurrencyAssumed = true
            }
        } else if let wageBytes = row[.wageCurrency], currencyNumber(wageBytes) == nil {
            let text = row.text(.wageCurrency)!
            throw Reason("unknown wage_currency '\(text)'\(currencyHint(text))")
        }
        if let bytes = row[.contractMonths] {
            guard let months = Validators.integer(bytes), months > 0, months <= 1200 else {
                throw Reason("contract_months '\(row.text(.contractMonths)!)' must be a whole number above 0")
            }
            parsed.pointee.contractMonths = Int32(months)
        }
        if let bytes = row[.contractSignedOn] {
            parsed.pointee.contractSigned = Int32(try Validators.date(bytes, "contract_signed_on").get().ordinal)
        }
        var unknownOccupation: UnsafeBufferPointer<UInt8>?
        if let bytes = row[.occupation] {
            let number = occupationTexts.resolve(bytes) { text in occupations.code(for: text).flatMap(codes.number).map(Int32.init) ?? -1 }
            if number >= 0 { parsed.pointee.occupation = UInt16(number) } else { unknownOccupation = bytes }
        }
        parsed.pointee.texts.add(.agency, row[.agencyID]!)
        parsed.pointee.texts.add(.worker, row[.workerID]!)
        parsed.pointee.workerHash = ByteInterner.hash(row[.workerID]!)
        if let bytes = row[.employer] { parsed.pointee.texts.add(.employer, bytes) }
        if let bytes = row[.sector] { parsed.pointee.texts.add(.sector, bytes) }
        if let bytes = row[.recordID] {
            parsed.pointee.texts.add(.recordID, bytes)
            parsed.pointee.recordIDHash = ByteInterner.hash(bytes)
        }
        if let bytes = row[.repays] {
            parsed.pointee.texts.add(.repays, bytes)
            parsed.pointee.repaysHash = ByteInterner.hash(bytes)
        }
        if let bytes = unknownOccupation { parsed.pointee.texts.add(.unknownOccupation, bytes) }
    }

    private mutating func countryNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt16? {
        let number = countryTexts.resolve(bytes) { text in Validators.country(text).flatMap(codes.number).map(Int32.init) ?? -1 }
        return number >= 0 ? UInt16(number) : nil
    }

    private mutating func currencyNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt16? {
        let number = currencyTexts.resolve(bytes) { text in Validators.currency(text, rates).flatMap(codes.number).map(Int32.init) ?? -1 }
        return number >= 0 ? UInt16(number) : nil
    }

    private func currencyHint(_ text: String) -> String {
        closestMatch(to: text.uppercased(), in: rates.currencies).map { "; did you mean '\($0)'?" } ?? " (not in the exchange rates)"
    }
}

/// Each distinct text of a column resolved once to a small number (-1: not valid), so that a
/// million rows naming the same few codes are checked a few times.
struct TextCache {
    private var texts = ByteInterner()
    private var numbers: [Int32] = []
    mutating func resolve(_ bytes: UnsafeBufferPointer<UInt8>, _ compute: (String) -> Int32) -> Int32 {
        let (id, isNew) = texts.intern(bytes)
        if isNew { numbers.append(compute(String(decoding: bytes, as: UTF8.self))) }
        return numbers[Int(id)]
    }
}

enum Validators {
    /// Codes usually come upper-case already; then there is nothing to allocate.
    static func isUppercaseASCII(_ text: String) -> Bool { text.utf8.allSatisfy { $0 >= 0x41 && $0 <= 0x5A } }

    static func isAgencyID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        func alnum(_ b: UInt8) -> Bool { (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) }
        return alnum(bytes[0]) && bytes.allSatisfy { alnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    static func country(_ text: String) -> String? {
        let code = isUppercaseASCII(text) ? text : text.uppercased()
        return CountryCodes.isValid(code) ? code : nil
    }

    static func currency(_ text: String, _ rates: ExchangeRates) -> String? {
        let code = isUppercaseASCII(text) ? text : text.uppercased()
        return rates.knows(code) ? code : nil
    }

    static func amount(_ bytes: UnsafeBufferPointer<UInt8>, _ column: String) -> Result<ExactDecimal, FeeLedger.Reason> {
        if let value = ExactDecimal(utf8: bytes) {
            return value.isNegative ? .failure(.init("\(column) '\(String(decoding: bytes, as: UTF8.self))' is negative")) : .success(value)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if ExactDecimal.hasTooManyFractionDigits(Substring(text)), ExactDecimal(parsing: Substring(text.prefix { $0 != "." })) != nil {
            return .failure(.init("\(column) '\(text)' has more than \(ExactDecimal.fractionDigits) decimal places"))
        }
        // Written as a number, only too many digits before the point.
        let parts = text.dropFirst(text.hasPrefix("-") ? 1 : 0).split(separator: ".", omittingEmptySubsequences: false)
        if parts.count <= 2, !parts[0].isEmpty, parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }) {
            return .failure(.init("\(column) '\(text)' is too large (at most \(ExactDecimal.largestAmountUnits))"))
        }
        return .failure(.init("\(column) '\(text)' is not a number (use digits and '.', no grouping)"))
    }

    /// A whole number as `Int(_: String)` reads it (an optional sign, then digits), without
    /// making a String (that was a twentieth of checking a row, callgrind).
    static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var digits = bytes[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative || digits.first == UInt8(ascii: "+") { digits = digits.dropFirst() }
        guard !digits.isEmpty else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            let (times10, over1) = value.multipliedReportingOverflow(by: 10)
            let (next, over2) = negative ? times10.subtractingReportingOverflow(Int(byte - 48)) : times10.addingReportingOverflow(Int(byte - 48))
            guard !over1 && !over2 else { return nil }
            value = next
        }
        return value
    }

    static func date(_ bytes: UnsafeBufferPointer<UInt8>, _ column: String) -> Result<Day, FeeLedger.Reason> {
        if let day = Day(isoUTF8: bytes) { return .success(day) }
        let text = String(decoding: bytes, as: UTF8.self)
        let shaped = text.count == 10 && text.enumerated().allSatisfy { i, c in (i == 4 || i == 7) ? c == "-" : c.isASCII && c.isNumber }
        return .failure(.init(shaped ? "\(column) '\(text)' is not a real date" : "\(column) '\(text)' is not an ISO 8601 date (YYYY-MM-DD)"))
    }

    /// The index of the text among `choices` (lower-case), as written or lower-cased; -1 when none.
    static func oneOf(_ choices: [String], _ text: String) -> Int32 {
        (choices.firstIndex(of: text) ?? choices.firstIndex(of: text.lowercased())).map(Int32.init) ?? -1
    }
}
