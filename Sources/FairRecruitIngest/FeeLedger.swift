import FairRecruitCore

/// The §3.4 fee-record columns.
public enum FeeColumns {
    public static let required = ["agency_id", "worker_id", "origin", "destination", "category", "amount", "currency", "paid_by", "paid_on"]
    public static let optional = ["method", "receipt", "refunded_amount", "refunded_on", "monthly_wage", "wage_currency",
                                  "contract_months", "contract_signed_on", "occupation", "sector", "employer",
                                  "record_id", "repays", "description"]
    public static let all = required + optional
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

/// Validates fee rows from any number of files and keeps the accepted records per agency.
/// Checks that span rows — duplicate record ids, placements whose attributes disagree — are made
/// here, in input order, citing the first row.
public final class FeeLedger {
    public let asOf: Day
    public let categories: FeeCategories
    public let occupations: Occupations
    public let rates: ExchangeRates
    /// When set, rows of other agencies are only counted.
    public let agencyFilter: String?
    /// When set (`batch --employer`), rows at other workplaces, or naming none, are only counted.
    public let employerFilter: Set<String>?

    public private(set) var records: [String: [FeeRecord]] = [:]
    public private(set) var files: [InputFileSummary] = []
    public private(set) var notes: [DataQualityNote] = []
    /// Rows of other agencies per file (when filtering).
    public private(set) var otherAgencyRows: [String: Int] = [:]
    /// Rows at other employers per file (when filtering by employer).
    public private(set) var otherEmployerRows: [String: Int] = [:]

    private struct PlacementFacts {
        var origin: (String, SourceLocation)
        var wage: ((ExactDecimal, String), SourceLocation)?
        var contractMonths: (Int, SourceLocation)?
        var contractSigned: (Day, SourceLocation)?
        var occupation: (String, SourceLocation)?
    }
    private struct RecordKey: Hashable { var agency: String; var id: String }
    private var placements: [PlacementKey: PlacementFacts] = [:]
    private var recordIDs: [RecordKey: SourceLocation] = [:]
    private var wageCurrencyNoted = Set<PlacementKey>()

    public init(asOf: Day, categories: FeeCategories, occupations: Occupations, rates: ExchangeRates, agencyFilter: String?,
                employerFilter: Set<String>? = nil) {
        self.asOf = asOf; self.categories = categories; self.occupations = occupations; self.rates = rates; self.agencyFilter = agencyFilter
        self.employerFilter = employerFilter
    }

    /// Reads a fee-record file: XML when its name ends in `.xml`, CSV otherwise.
    public func read(_ path: String) throws(IngestError) {
        if InputFormat.isXML(path) { try readXML(path) } else { try readCSV(path) }
    }

    public func readXML(_ path: String) throws(IngestError) {
        var summary = InputFileSummary(file: path, format: "xml")
        try XMLRowReader(path: path, kind: .feeRecords, known: FeeColumns.all).read { add($0, to: &summary) }
        files.append(summary)
    }

    public func readCSV(_ path: String) throws(IngestError) {
        let reader = try CSVRowReader(path: path, known: FeeColumns.all, required: FeeColumns.required)
        var summary = InputFileSummary(file: path, format: "csv")
        while let row = try reader.next() { add(row, to: &summary) }
        files.append(summary)
    }

    /// Adds one row; used by every reader.
    public func add(_ row: FieldRow, to summary: inout InputFileSummary) {
        summary.rowsRead += 1
        if let filter = agencyFilter, let agency = row["agency_id"], agency != filter, Validators.isAgencyID(agency) {
            otherAgencyRows[summary.file, default: 0] += 1
            return
        }
        if let employers = employerFilter, !(row["employer"].map(employers.contains) ?? false) {
            otherEmployerRows[summary.file, default: 0] += 1
            return
        }
        if let problem = row.problem {
            summary.rejections.append(Rejection(location: row.location, reason: problem, agencyID: row["agency_id"]))
            return
        }
        switch parse(row) {
        case .failure(let reason):
            summary.rejections.append(Rejection(location: row.location, reason: reason.message, agencyID: row["agency_id"]))
        case .success(let record):
            if let conflict = checkAcrossRows(record) {
                summary.rejections.append(Rejection(location: row.location, reason: conflict, agencyID: record.agencyID))
                return
            }
            records[record.agencyID, default: []].append(record)
            summary.acceptedByAgency[record.agencyID, default: 0] += 1
        }
    }

    /// Why a row was rejected.
    public struct Reason: Error, Sendable { public var message: String; init(_ m: String) { message = m } }

    private func parse(_ row: FieldRow) -> Result<FeeRecord, Reason> {
        for column in FeeColumns.required where row[column] == nil {
            return .failure(Reason("missing \(column)"))
        }
        let agency = row["agency_id"]!
        guard Validators.isAgencyID(agency) else {
            return .failure(Reason("invalid agency_id '\(agency)': 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"))
        }
        let worker = row["worker_id"]!
        guard let origin = Validators.country(row["origin"]!) else { return .failure(Reason("origin '\(row["origin"]!)' is not an ISO 3166-1 alpha-2 country code")) }
        guard let destination = Validators.country(row["destination"]!) else {
            return .failure(Reason("destination '\(row["destination"]!)' is not an ISO 3166-1 alpha-2 country code"))
        }
        let categoryText = row["category"]!
        guard let category = categories.code(for: categoryText) else {
            let suggestion = closestMatch(to: normalizedTerm(categoryText), in: categories.recordTerms)
            return .failure(Reason("unknown category '\(categoryText)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")))
        }
        if categories.category(category)?.requiresDescription == true && row["description"] == nil {
            return .failure(Reason("category '\(category)' needs a description"))
        }
        let amount: ExactDecimal
        switch Validators.amount(row["amount"]!, "amount") {
        case .success(let value): amount = value
        case .failure(let reason): return .failure(reason)
        }
        guard let currency = Validators.currency(row["currency"]!, rates) else {
            return .failure(Reason("unknown currency '\(row["currency"]!)'\(currencyHint(row["currency"]!))"))
        }
        guard let paidBy = Payer(rawValue: row["paid_by"]!) ?? Payer(rawValue: row["paid_by"]!.lowercased()) else {
            return .failure(Reason("paid_by '\(row["paid_by"]!)' must be one of \(Payer.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        let paidOn: Day
        switch Validators.date(row["paid_on"]!, "paid_on") {
        case .success(let day): paidOn = day
        case .failure(let reason): return .failure(reason)
        }
        if asOf < paidOn { return .failure(Reason("paid_on \(paidOn) is after the audit date \(asOf)")) }
        var record = FeeRecord(agencyID: agency, workerID: worker, origin: origin, destination: destination, category: category,
                               amount: amount, currency: currency, paidBy: paidBy, paidOn: paidOn,
                               location: row.location)
        if let text = row["method"] {
            guard let method = PaymentMethod(rawValue: text) ?? PaymentMethod(rawValue: text.lowercased()) else {
                return .failure(Reason("method '\(text)' must be one of \(PaymentMethod.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            record.method = method
        }
        if let text = row["receipt"] {
            switch text.lowercased() {
            case "yes": record.receipt = true
            case "no": record.receipt = false
            default: return .failure(Reason("receipt '\(text)' must be yes or no"))
            }
        }
        switch (row["refunded_amount"], row["refunded_on"]) {
        case (nil, nil): break
        case (let amountText?, nil):
            if case .success(let value) = Validators.amount(amountText, "refunded_amount"), value.isZero { break }
            return .failure(Reason("refunded_amount is given without refunded_on"))
        case (nil, _?):
            return .failure(Reason("refunded_on is given without refunded_amount"))
        case (let amountText?, let dateText?):
            let refund: ExactDecimal
            switch Validators.amount(amountText, "refunded_amount") {
            case .success(let value): refund = value
            case .failure(let reason): return .failure(reason)
            }
            if amount < refund { return .failure(Reason("refunded_amount \(refund) is larger than the payment \(amount)")) }
            let on: Day
            switch Validators.date(dateText, "refunded_on") {
            case .success(let day): on = day
            case .failure(let reason): return .failure(reason)
            }
            if on < paidOn { return .failure(Reason("refunded_on \(on) is before paid_on \(paidOn)")) }
            record.refundedAmount = refund
            record.refundedOn = on
        }
        if let text = row["monthly_wage"] {
            guard let wage = ExactDecimal(parsing: Substring(text)), wage.isPositive else {
                return .failure(Reason("monthly_wage '\(text)' must be a number above 0"))
            }
            record.monthlyWage = wage
            if let wageText = row["wage_currency"] {
                guard let wageCurrency = Validators.currency(wageText, rates) else {
                    return .failure(Reason("unknown wage_currency '\(wageText)'\(currencyHint(wageText))"))
                }
                record.wageCurrency = wageCurrency
            } else {
                record.wageCurrency = currency
                if wageCurrencyNoted.insert(PlacementKey(agency: agency, worker: worker, destination: destination)).inserted {
                    notes.append(DataQualityNote(location: row.location, code: "wage-currency-assumed",
                                                 message: "monthly_wage has no wage_currency; taken to be \(currency), the payment's currency"))
                }
            }
        } else if let wageText = row["wage_currency"], Validators.currency(wageText, rates) == nil {
            return .failure(Reason("unknown wage_currency '\(wageText)'\(currencyHint(wageText))"))
        }
        if let text = row["contract_months"] {
            guard let months = Int(text), months > 0, months <= 1200 else {
                return .failure(Reason("contract_months '\(text)' must be a whole number above 0"))
            }
            record.contractMonths = months
        }
        if let text = row["contract_signed_on"] {
            switch Validators.date(text, "contract_signed_on") {
            case .success(let day): record.contractSignedOn = day
            case .failure(let reason): return .failure(reason)
            }
        }
        if let text = row["occupation"] {
            if let code = occupations.code(for: text) {
                record.occupation = code
            } else {
                notes.append(DataQualityNote(location: row.location, code: "unknown-occupation",
                                             message: "occupation '\(text)' is not in the occupation list; the row is kept, the worker is unclassified where a scope names occupations"))
            }
        }
        record.sector = row["sector"]
        record.employer = row["employer"]
        record.recordID = row["record_id"]
        record.repays = row["repays"]
        return .success(record)
    }

    private func currencyHint(_ text: String) -> String {
        closestMatch(to: text.uppercased(), in: rates.currencies).map { "; did you mean '\($0)'?" } ?? " (not in the exchange rates)"
    }

    /// Duplicate record ids and placements whose attributes disagree with an earlier row.
    private func checkAcrossRows(_ r: FeeRecord) -> String? {
        if let id = r.recordID, let first = recordIDs[RecordKey(agency: r.agencyID, id: id)] {
            return "duplicate record_id '\(id)', first at \(first.file):\(first.line)"
        }
        let key = PlacementKey(r)
        var facts = placements[key] ?? PlacementFacts(origin: (r.origin, r.location))
        func conflict(_ what: String, _ mine: String, _ theirs: String, _ at: SourceLocation) -> String {
            "\(what) \(mine) differs from \(theirs) given for this placement at \(at.file):\(at.line)"
        }
        if facts.origin.0 != r.origin { return conflict("origin", r.origin, facts.origin.0, facts.origin.1) }
        if let wage = r.monthlyWage, let currency = r.wageCurrency {
            if let ((w, c), at) = facts.wage, w != wage || c != currency {
                return conflict("monthly_wage", "\(wage) \(currency)", "\(w) \(c)", at)
            }
            if facts.wage == nil { facts.wage = ((wage, currency), r.location) }
        }
        if let months = r.contractMonths {
            if let (m, at) = facts.contractMonths, m != months { return conflict("contract_months", "\(months)", "\(m)", at) }
            if facts.contractMonths == nil { facts.contractMonths = (months, r.location) }
        }
        if let signed = r.contractSignedOn {
            if let (d, at) = facts.contractSigned, d != signed { return conflict("contract_signed_on", "\(signed)", "\(d)", at) }
            if facts.contractSigned == nil { facts.contractSigned = (signed, r.location) }
        }
        if let occupation = r.occupation {
            if let (o, at) = facts.occupation, o != occupation { return conflict("occupation", occupation, o, at) }
            if facts.occupation == nil { facts.occupation = (occupation, r.location) }
        }
        placements[key] = facts
        if let id = r.recordID { recordIDs[RecordKey(agency: r.agencyID, id: id)] = r.location }
        return nil
    }

    /// Notes on rows that were kept: `repays` naming no recorded loan.
    public func finish() {
        for (_, list) in records {
            let loans = Set(list.filter { $0.method == .loan }.compactMap(\.recordID))
            for record in list {
                if let repays = record.repays, !loans.contains(repays) {
                    notes.append(DataQualityNote(location: record.location, code: "repays-unknown-loan",
                                                 message: "repays '\(repays)' names no loan record of this agency; the deduction is counted as a worker payment"))
                }
            }
        }
        notes.sort { ($0.location, $0.code) < ($1.location, $1.code) }
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

    static func amount(_ text: String, _ column: String) -> Result<ExactDecimal, FeeLedger.Reason> {
        if ExactDecimal.hasTooManyFractionDigits(Substring(text)), ExactDecimal(parsing: Substring(text.prefix { $0 != "." })) != nil {
            return .failure(.init("\(column) '\(text)' has more than \(ExactDecimal.fractionDigits) decimal places"))
        }
        guard let value = ExactDecimal(parsing: Substring(text)) else {
            return .failure(.init("\(column) '\(text)' is not a number (use digits and '.', no grouping)"))
        }
        if value.isNegative { return .failure(.init("\(column) '\(text)' is negative")) }
        return .success(value)
    }

    static func date(_ text: String, _ column: String) -> Result<Day, FeeLedger.Reason> {
        if let day = Day(iso: text) { return .success(day) }
        let shaped = text.count == 10 && text.enumerated().allSatisfy { i, c in (i == 4 || i == 7) ? c == "-" : c.isASCII && c.isNumber }
        return .failure(.init(shaped ? "\(column) '\(text)' is not a real date" : "\(column) '\(text)' is not an ISO 8601 date (YYYY-MM-DD)"))
    }
}
