import FairRecruitCore

/// The §3.4 fee-record columns.
public enum FeeColumns {
    public static let required = ["agency_id", "worker_id", "origin", "destination", "category", "amount", "currency", "paid_by", "paid_on"]
    public static let optional = ["method", "receipt", "refunded_amount", "refunded_on", "monthly_wage", "wage_currency",
                                  "contract_months", "contract_signed_on", "occupation", "sector", "employer",
                                  "record_id", "repays", "description"]
    public static let all = required + optional
}

/// A fee-record column by its position in ``FeeColumns/all``.
enum FeeColumn: Int, CaseIterable {
    case agencyID, workerID, origin, destination, category, amount, currency, paidBy, paidOn
    case method, receipt, refundedAmount, refundedOn, monthlyWage, wageCurrency
    case contractMonths, contractSignedOn, occupation, sector, employer, recordID, repays, description

    var name: String { FeeColumns.all[rawValue] }
    static let required = allCases.filter { $0.rawValue < FeeColumns.required.count }
}

extension RawRow {
    subscript(_ column: FeeColumn) -> UnsafeBufferPointer<UInt8>? { self[column.rawValue] }
    func text(_ column: FeeColumn) -> String? { text(column.rawValue) }
}

/// A row that was not accepted, and why.
public struct Rejection: Sendable, Hashable {
    public var location: SourceLocation
    public var reason: String
    /// The row's agency when it could be read, so a batch can attribute the rejection.
    public var agencyID: String?
}

/// What one input file contributed.
public struct InputFileSummary: Sendable {
    public var file: String
    public var format: String
    public var rowsRead = 0
    public var rejections: [Rejection] = []
    /// Accepted rows per agency.
    public var acceptedByAgency: [String: Int] = [:]
    public init(file: String, format: String) { self.file = file; self.format = format }
}

/// Validates fee rows from any number of files and keeps the accepted records per agency, in a
/// compact ``FeeStore``. Checks that span rows — duplicate record ids, placements whose attributes
/// disagree — are made here, in input order, citing the first row.
public final class FeeLedger {
    /// The reading state, a value: a class's stored properties are checked for exclusive access at
    /// run time on every use, which cost more than the validation itself on a million rows.
    private var intake: FeeIntake?

    public init(asOf: Day, categories: FeeCategories, occupations: Occupations, rates: ExchangeRates, agencyFilter: String?,
                employerFilter: Set<String>? = nil) {
        intake = FeeIntake(asOf: asOf, categories: categories, occupations: occupations, rates: rates,
                           agencyFilter: agencyFilter, employerFilter: employerFilter)
    }

    public var store: FeeStore { intake!.store }
    public var files: [InputFileSummary] { intake!.files }
    /// Data-quality notes on accepted rows, by agency, sorted (after ``finish()``).
    public var notesByAgency: [String: [DataQualityNote]] { intake!.notesByAgency }
    /// Every data-quality note, sorted.
    public var notes: [DataQualityNote] { notesByAgency.values.joined().sorted { ($0.location, $0.code) < ($1.location, $1.code) } }
    /// Rows of other agencies per file (when filtering).
    public var otherAgencyRows: [String: Int] { intake!.otherAgencyRows }
    /// Rows at other employers per file (when filtering by employer).
    public var otherEmployerRows: [String: Int] { intake!.otherEmployerRows }
    /// Every agency's records as ``FeeRecord``s (small inputs and tests; audits take one agency at a time).
    public var records: [String: [FeeRecord]] { store.all }

    /// Reads a fee-record file: XML when its name ends in `.xml`, CSV otherwise.
    public func read(_ path: String) throws(IngestError) {
        if InputFormat.isXML(path) { try readXML(path) } else { try readCSV(path) }
    }

    public func readXML(_ path: String) throws(IngestError) {
        try reading { intake throws(IngestError) in
            var summary = intake.startFile(path, format: "xml")
            try XMLRowReader(path: path, kind: .feeRecords, known: FeeColumns.all).read { intake.add($0, to: &summary) }
            intake.finishFile(summary)
        }
    }

    public func readCSV(_ path: String) throws(IngestError) {
        let reader = try CSVRowReader(path: path, known: FeeColumns.all, required: FeeColumns.required)
        try reading { intake throws(IngestError) in
            var summary = intake.startFile(path, format: "csv")
            try reader.readAll { intake.add($0, to: &summary) }
            intake.finishFile(summary)
        }
    }

    /// Notes on rows that were kept: `repays` naming no recorded loan.
    public func finish() { intake!.finish() }

    /// Why a row was rejected.
    public struct Reason: Error, Sendable { public var message: String; init(_ m: String) { message = m } }

    /// Runs `body` on the reading state moved out of the object (so that nothing else holds it).
    private func reading(_ body: (inout FeeIntake) throws(IngestError) -> Void) throws(IngestError) {
        var state = intake.take()!
        defer { intake = state }
        try body(&state)
    }
}

/// The state of reading fee rows: validation, the checks across rows, and the store.
struct FeeIntake {
    let asOf: Day
    let categories: FeeCategories
    let occupations: Occupations
    let rates: ExchangeRates
    /// When set, rows of other agencies are only counted.
    let agencyFilter: String?
    /// When set (`batch --employer`), rows at other workplaces, or naming none, are only counted.
    let employerFilter: Set<String>?

    private(set) var store = FeeStore()
    private(set) var files: [InputFileSummary] = []
    private(set) var notesByAgency: [String: [DataQualityNote]] = [:]
    private(set) var otherAgencyRows: [String: Int] = [:]
    private(set) var otherEmployerRows: [String: Int] = [:]

    /// Placements by agency, worker and destination numbers.
    private var placementIndex: [UInt64: Int32] = [:]
    /// Per record id: the ordinal of the accepted record of the first agency that used it (-1: none yet).
    private var recordIDOwner: [Int32] = []
    /// The same record id used by other agencies too: (agency, id) → ordinal.
    private var sharedRecordIDs: [UInt64: Int32] = [:]
    // Each distinct text of a coded column is resolved once.
    private var countryTexts = TextCache(), currencyTexts = TextCache(), categoryTexts = TextCache()
    private var occupationTexts = TextCache(), agencyTexts = TextCache()
    private var payerTexts = TextCache(), methodTexts = TextCache(), receiptTexts = TextCache()
    /// Accepted rows in the current file, by agency number.
    private var acceptedInFile: [Int] = []
    /// By code number: whether a category needs a description.
    private var needsDescription: [Bool] = []

    init(asOf: Day, categories: FeeCategories, occupations: Occupations, rates: ExchangeRates, agencyFilter: String?,
         employerFilter: Set<String>?) {
        self.asOf = asOf; self.categories = categories; self.occupations = occupations; self.rates = rates; self.agencyFilter = agencyFilter
        self.employerFilter = employerFilter
    }

    mutating func startFile(_ path: String, format: String) -> InputFileSummary {
        store.files.append(path)
        acceptedInFile = []
        return InputFileSummary(file: path, format: format)
    }

    mutating func finishFile(_ summary: InputFileSummary) {
        var summary = summary
        for (agency, count) in acceptedInFile.enumerated() where count > 0 { summary.acceptedByAgency[store.agencies[agency]] = count }
        files.append(summary)
    }

    /// Adds one row.
    mutating func add(_ row: RawRow, to summary: inout InputFileSummary) {
        summary.rowsRead += 1
        if let filter = agencyFilter, let agency = row.text(.agencyID), agency != filter, Validators.isAgencyID(agency) {
            otherAgencyRows[summary.file, default: 0] += 1
            return
        }
        if let employers = employerFilter, !(row.text(.employer).map(employers.contains) ?? false) {
            otherEmployerRows[summary.file, default: 0] += 1
            return
        }
        if let problem = row.problem {
            summary.rejections.append(Rejection(location: row.location, reason: problem, agencyID: row.text(.agencyID)))
            return
        }
        switch parse(row) {
        case .failure(let reason):
            summary.rejections.append(Rejection(location: row.location, reason: reason.message, agencyID: row.text(.agencyID)))
        case .success(let parsed):
            if let conflict = acceptAcrossRows(parsed) {
                summary.rejections.append(Rejection(location: row.location, reason: conflict, agencyID: store.agencies[Int(parsed.fee.agency)]))
                return
            }
        }
    }

    typealias Reason = FeeLedger.Reason

    /// A row's values once validated: what the store keeps, and what its placement checks need.
    private struct ParsedRow {
        var fee: StoredFee
        var amount: ExactDecimal
        var refunded: ExactDecimal = .zero
        var worker: Int32
        var origin: UInt16
        var destination: UInt16
        var wage: (ExactDecimal, UInt16)?
        var wageCurrencyAssumed = false
        var contractMonths: Int32?
        var contractSigned: Int32?
        var occupation: UInt16?
        var unknownOccupation: String?
        var line: Int
    }

    private mutating func parse(_ row: RawRow) -> Result<ParsedRow, Reason> {
        for column in FeeColumn.required where row[column] == nil {
            return .failure(Reason("missing \(column.name)"))
        }
        let agency = agencyTexts.resolve(row[.agencyID]!) { Validators.isAgencyID($0) ? Int32(store.agency($0)) : -1 }
        guard agency >= 0 else {
            return .failure(Reason("invalid agency_id '\(row.text(.agencyID)!)': 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"))
        }
        let worker = store.workers.intern(row[.workerID]!).id
        guard let origin = countryNumber(row[.origin]!) else { return .failure(Reason("origin '\(row.text(.origin)!)' is not an ISO 3166-1 alpha-2 country code")) }
        guard let destination = countryNumber(row[.destination]!) else {
            return .failure(Reason("destination '\(row.text(.destination)!)' is not an ISO 3166-1 alpha-2 country code"))
        }
        let categoryNumber = categoryTexts.resolve(row[.category]!) { text in
            guard let code = categories.code(for: text) else { return -1 }
            let number = Int(store.codes.number(code))
            if needsDescription.count <= number { needsDescription += Array(repeating: false, count: number + 1 - needsDescription.count) }
            needsDescription[number] = categories.category(code)?.requiresDescription == true
            return Int32(number)
        }
        guard categoryNumber >= 0 else {
            let categoryText = row.text(.category)!
            let suggestion = closestMatch(to: normalizedTerm(categoryText), in: categories.recordTerms)
            return .failure(Reason("unknown category '\(categoryText)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")))
        }
        if needsDescription[Int(categoryNumber)] && row[.description] == nil {
            return .failure(Reason("category '\(store.codes.text(UInt16(categoryNumber)))' needs a description"))
        }
        let amount: ExactDecimal
        switch Validators.amount(row[.amount]!, "amount") {
        case .success(let value): amount = value
        case .failure(let reason): return .failure(reason)
        }
        guard let currency = currencyNumber(row[.currency]!) else {
            let text = row.text(.currency)!
            return .failure(Reason("unknown currency '\(text)'\(currencyHint(text))"))
        }
        let paidBy = payerTexts.resolve(row[.paidBy]!) { Validators.oneOf(StoredFee.payers.map(\.rawValue), $0) }
        guard paidBy >= 0 else {
            return .failure(Reason("paid_by '\(row.text(.paidBy)!)' must be one of \(Payer.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        let paidOn: Day
        switch Validators.date(row[.paidOn]!, "paid_on") {
        case .success(let day): paidOn = day
        case .failure(let reason): return .failure(reason)
        }
        if asOf < paidOn { return .failure(Reason("paid_on \(paidOn) is after the audit date \(asOf)")) }
        var fee = StoredFee()
        fee.agency = agency
        fee.category = UInt16(categoryNumber)
        fee.currency = currency
        fee.paidBy = UInt8(paidBy)
        fee.paidOn = Int32(paidOn.ordinal)
        fee.file = UInt16(store.files.count - 1)
        fee.line = Int32(row.line)
        var parsed = ParsedRow(fee: fee, amount: amount, worker: worker, origin: origin, destination: destination, line: row.line)
        if let bytes = row[.method] {
            let method = methodTexts.resolve(bytes) { Validators.oneOf(StoredFee.methods.map(\.rawValue), $0) }
            guard method >= 0 else {
                return .failure(Reason("method '\(row.text(.method)!)' must be one of \(PaymentMethod.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            parsed.fee.method = UInt8(method + 1)
        }
        if let bytes = row[.receipt] {
            let answer = receiptTexts.resolve(bytes) { Validators.oneOf(["no", "yes"], $0) }
            guard answer >= 0 else { return .failure(Reason("receipt '\(row.text(.receipt)!)' must be yes or no")) }
            parsed.fee.receipt = UInt8(answer + 1)
        }
        switch (row[.refundedAmount], row[.refundedOn]) {
        case (nil, nil): break
        case (let amountBytes?, nil):
            if case .success(let value) = Validators.amount(amountBytes, "refunded_amount"), value.isZero { break }
            return .failure(Reason("refunded_amount is given without refunded_on"))
        case (nil, _?):
            return .failure(Reason("refunded_on is given without refunded_amount"))
        case (let amountBytes?, let dateBytes?):
            let refund: ExactDecimal
            switch Validators.amount(amountBytes, "refunded_amount") {
            case .success(let value): refund = value
            case .failure(let reason): return .failure(reason)
            }
            if amount < refund { return .failure(Reason("refunded_amount \(refund) is larger than the payment \(amount)")) }
            let on: Day
            switch Validators.date(dateBytes, "refunded_on") {
            case .success(let day): on = day
            case .failure(let reason): return .failure(reason)
            }
            if on < paidOn { return .failure(Reason("refunded_on \(on) is before paid_on \(paidOn)")) }
            parsed.refunded = refund
            parsed.fee.refundedOn = Int32(on.ordinal)
        }
        if let bytes = row[.monthlyWage] {
            guard let wage = ExactDecimal(utf8: bytes), wage.isPositive else {
                return .failure(Reason("monthly_wage '\(row.text(.monthlyWage)!)' must be a number above 0"))
            }
            if let wageBytes = row[.wageCurrency] {
                guard let wageCurrency = currencyNumber(wageBytes) else {
                    let text = row.text(.wageCurrency)!
                    return .failure(Reason("unknown wage_currency '\(text)'\(currencyHint(text))"))
                }
                parsed.wage = (wage, wageCurrency)
            } else {
                parsed.wage = (wage, currency)
                parsed.wageCurrencyAssumed = true
            }
        } else if let wageBytes = row[.wageCurrency], currencyNumber(wageBytes) == nil {
            let text = row.text(.wageCurrency)!
            return .failure(Reason("unknown wage_currency '\(text)'\(currencyHint(text))"))
        }
        if let bytes = row[.contractMonths] {
            guard let months = Int(String(decoding: bytes, as: UTF8.self)), months > 0, months <= 1200 else {
                return .failure(Reason("contract_months '\(row.text(.contractMonths)!)' must be a whole number above 0"))
            }
            parsed.contractMonths = Int32(months)
        }
        if let bytes = row[.contractSignedOn] {
            switch Validators.date(bytes, "contract_signed_on") {
            case .success(let day): parsed.contractSigned = Int32(day.ordinal)
            case .failure(let reason): return .failure(reason)
            }
        }
        if let bytes = row[.occupation] {
            let number = occupationTexts.resolve(bytes) { text in occupations.code(for: text).map { Int32(store.codes.number($0)) } ?? -1 }
            if number >= 0 { parsed.occupation = UInt16(number) } else { parsed.unknownOccupation = row.text(.occupation) }
        }
        if let bytes = row[.sector] { parsed.fee.sector = store.sectors.intern(bytes).id }
        if let bytes = row[.employer] { parsed.fee.employer = store.employers.intern(bytes).id }
        if let bytes = row[.recordID] { parsed.fee.recordID = recordID(bytes) }
        if let bytes = row[.repays] { parsed.fee.repays = recordID(bytes) }
        return .success(parsed)
    }

    private mutating func countryNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt16? {
        let number = countryTexts.resolve(bytes) { text in Validators.country(text).map { Int32(store.codes.number($0)) } ?? -1 }
        return number >= 0 ? UInt16(number) : nil
    }

    private mutating func currencyNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt16? {
        let number = currencyTexts.resolve(bytes) { text in Validators.currency(text, rates).map { Int32(store.codes.number($0)) } ?? -1 }
        return number >= 0 ? UInt16(number) : nil
    }

    private mutating func recordID(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let (id, isNew) = store.recordIDs.intern(bytes)
        if isNew { recordIDOwner.append(-1) }
        return id
    }

    private func currencyHint(_ text: String) -> String {
        closestMatch(to: text.uppercased(), in: rates.currencies).map { "; did you mean '\($0)'?" } ?? " (not in the exchange rates)"
    }

    /// Rejects a duplicate record id or a placement whose attributes disagree with an earlier row;
    /// otherwise stores the row.
    private mutating func acceptAcrossRows(_ row: ParsedRow) -> String? {
        let agency = row.fee.agency
        let sharedKey = UInt64(UInt32(agency)) << 32 | UInt64(UInt32(bitPattern: row.fee.recordID))
        if row.fee.recordID >= 0 {
            let owner = recordIDOwner[Int(row.fee.recordID)]
            let first = owner < 0 ? nil : store[Int(owner)].agency == agency ? owner : sharedRecordIDs[sharedKey]
            if let first {
                let at = store.location(store[Int(first)])
                return "duplicate record_id '\(store.recordIDs.string(row.fee.recordID))', first at \(at.file):\(at.line)"
            }
        }
        let key = UInt64(UInt32(agency)) << 42 ^ UInt64(UInt32(row.worker)) << 10 ^ UInt64(row.destination)
        let known = placementIndex[key]
        var placement = known.map { store.placements[Int($0)] }
            ?? StoredPlacement(worker: row.worker, destination: row.destination, origin: row.origin, originAt: -1)
        if known != nil, let conflict = conflict(row, placement) { return conflict }
        // Accepted: store the row, then what it told about its placement.
        let placementNumber = known ?? store.addPlacement(placement)
        if known == nil { placementIndex[key] = placementNumber }
        var fee = row.fee
        fee.placement = placementNumber
        if row.wage != nil { fee.give(.wage) }
        if row.contractMonths != nil { fee.give(.contractMonths) }
        if row.contractSigned != nil { fee.give(.contractSigned) }
        if row.occupation != nil { fee.give(.occupation) }
        let ordinal = Int32(store.append(fee, amount: row.amount, refunded: row.refunded))
        if placement.originAt < 0 { placement.originAt = ordinal }
        if let (wage, currency) = row.wage, placement.wageAt < 0 { placement.wage = wage; placement.wageCurrency = currency; placement.wageAt = ordinal }
        if let months = row.contractMonths, placement.contractMonthsAt < 0 { placement.contractMonths = months; placement.contractMonthsAt = ordinal }
        if let signed = row.contractSigned, placement.contractSignedAt < 0 { placement.contractSigned = signed; placement.contractSignedAt = ordinal }
        if let occupation = row.occupation, placement.occupationAt < 0 { placement.occupation = occupation; placement.occupationAt = ordinal }
        if row.wageCurrencyAssumed && !placement.wageCurrencyNoted {
            placement.wageCurrencyNoted = true
            note(fee, "wage-currency-assumed", "monthly_wage has no wage_currency; taken to be \(store.codes.text(row.wage!.1)), the payment's currency")
        }
        if let text = row.unknownOccupation {
            note(fee, "unknown-occupation", "occupation '\(text)' is not in the occupation list; the row is kept, the worker is unclassified where a scope names occupations")
        }
        store.updatePlacement(placementNumber) { $0 = placement }
        if row.fee.recordID >= 0 {
            if recordIDOwner[Int(row.fee.recordID)] < 0 { recordIDOwner[Int(row.fee.recordID)] = ordinal } else { sharedRecordIDs[sharedKey] = ordinal }
        }
        if acceptedInFile.count <= Int(agency) { acceptedInFile += Array(repeating: 0, count: Int(agency) + 1 - acceptedInFile.count) }
        acceptedInFile[Int(agency)] += 1
        return nil
    }

    /// Why a row's placement attributes disagree with what earlier rows gave, if they do.
    private func conflict(_ row: ParsedRow, _ placement: StoredPlacement) -> String? {
        let codes = store.codes
        func conflict(_ what: String, _ mine: String, _ theirs: String, _ ordinal: Int32) -> String {
            let at = store.location(store[Int(ordinal)])
            return "\(what) \(mine) differs from \(theirs) given for this placement at \(at.file):\(at.line)"
        }
        if placement.originAt >= 0 && placement.origin != row.origin {
            return conflict("origin", codes.text(row.origin), codes.text(placement.origin), placement.originAt)
        }
        if let (wage, currency) = row.wage, placement.wageAt >= 0, placement.wage != wage || placement.wageCurrency != currency {
            return conflict("monthly_wage", "\(wage) \(codes.text(currency))", "\(placement.wage!) \(codes.text(placement.wageCurrency))", placement.wageAt)
        }
        if let months = row.contractMonths, placement.contractMonthsAt >= 0, placement.contractMonths != months {
            return conflict("contract_months", "\(months)", "\(placement.contractMonths)", placement.contractMonthsAt)
        }
        if let signed = row.contractSigned, placement.contractSignedAt >= 0, placement.contractSigned != signed {
            return conflict("contract_signed_on", "\(Day(ordinal: Int(signed)))", "\(Day(ordinal: Int(placement.contractSigned)))", placement.contractSignedAt)
        }
        if let occupation = row.occupation, placement.occupationAt >= 0, placement.occupation != occupation {
            return conflict("occupation", codes.text(occupation), codes.text(placement.occupation), placement.occupationAt)
        }
        return nil
    }

    private mutating func note(_ fee: StoredFee, _ code: String, _ message: String) {
        notesByAgency[store.agencies[Int(fee.agency)], default: []].append(DataQualityNote(location: store.location(fee), code: code, message: message))
    }

    /// Notes on rows that were kept: `repays` naming no recorded loan.
    mutating func finish() {
        let loan = UInt8(StoredFee.methods.firstIndex(of: .loan)! + 1)
        for (index, agency) in store.agencies.enumerated() {
            let ordinals = store.ordinals(ofAgency: Int32(index))
            var loans = Set<Int32>()
            for ordinal in ordinals {
                let fee = store[Int(ordinal)]
                if fee.method == loan && fee.recordID >= 0 { loans.insert(fee.recordID) }
            }
            for ordinal in ordinals {
                let fee = store[Int(ordinal)]
                if fee.repays >= 0 && !loans.contains(fee.repays) {
                    notesByAgency[agency, default: []].append(DataQualityNote(location: store.location(fee), code: "repays-unknown-loan",
                        message: "repays '\(store.recordIDs.string(fee.repays))' names no loan record of this agency; the deduction is counted as a worker payment"))
                }
            }
        }
        for agency in notesByAgency.keys { notesByAgency[agency]!.sort { ($0.location, $0.code) < ($1.location, $1.code) } }
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

/// Whether a text is a valid agency id (§3.4: `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`).
public func isValidAgencyID(_ text: String) -> Bool { Validators.isAgencyID(text) }

/// How an input file is read.
public enum InputFormat {
    /// XML when the name ends in `.xml` (any case); everything else is read as CSV.
    public static func isXML(_ path: String) -> Bool { path.lowercased().hasSuffix(".xml") }
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
        return .failure(.init("\(column) '\(text)' is not a number (use digits and '.', no grouping)"))
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
