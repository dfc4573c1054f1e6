import FairRecruitCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// Told each file's bytes read so far and its size (a large file takes seconds).
    public var progress: (@Sendable (_ file: String, _ bytesRead: Int, _ size: Int) -> Void)?
    /// Bytes per segment when a file is read on several cores (tests make it tiny).
    var segmentSize = ParallelReading.segmentSize

    /// Reads a fee-record file: XML when its name ends in `.xml`, CSV otherwise.
    public func read(_ path: String) throws(IngestError) {
        if InputFormat.isXML(path) { try readXML(path) } else { try readCSV(path) }
    }

    private func readProgress(_ path: String) -> ReadProgress? {
        guard let progress else { return nil }
        let size = ByteStream.size(of: path)
        return { progress(path, $0, size) }
    }

    public func readXML(_ path: String) throws(IngestError) {
        try reading { intake throws(IngestError) in
            var summary = intake.startFile(path, format: "xml")
            let checker = intake.checker
            let reader = XMLRowReader(path: path, kind: .feeRecords, known: FeeColumns.all, progress: readProgress(path))
            try reader.readAll(segmentSize: segmentSize, checking: { let mine = ThreadChecker(checker); return { mine.check($0, into: $1) } }, ahead: { intake.willAdd($0) },
                               expecting: { intake.expect(rows: $0, after: summary.rowsRead) }) {
                checked, lines in intake.add(checked, linesBefore: lines, to: &summary)
            }
            intake.finishFile(summary)
        }
    }

    public func readCSV(_ path: String) throws(IngestError) {
        let reader = try CSVRowReader(path: path, known: FeeColumns.all, required: FeeColumns.required, progress: readProgress(path))
        try reading { intake throws(IngestError) in
            var summary = intake.startFile(path, format: "csv")
            let checker = intake.checker
            try reader.readAll(segmentSize: segmentSize, checking: { let mine = ThreadChecker(checker); return { mine.check($0, into: $1) } }, ahead: { intake.willAdd($0) },
                               expecting: { intake.expect(rows: $0, after: summary.rowsRead) }) { checked, lines in
                intake.add(checked, linesBefore: lines, to: &summary)
            }
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

/// The state of reading fee rows in file order: the checks across rows, and the store.
struct FeeIntake {
    /// Checks each row on its own; copied to every thread that parses.
    let checker: FeeRowChecker

    private(set) var store: FeeStore
    private(set) var files: [InputFileSummary] = []
    private(set) var notesByAgency: [String: [DataQualityNote]] = [:]
    private(set) var otherAgencyRows: [String: Int] = [:]
    private(set) var otherEmployerRows: [String: Int] = [:]

    /// A worker's placements, as a list through them: by worker number, the worker's last
    /// placement (-1: none yet), and by placement, the worker's placement before it. A worker has
    /// a placement or a few, so they are looked through; a table of placement keys missed the
    /// caches for every new placement (perf, 10M batch: 6% of this thread's time).
    private var lastPlacementOfWorker: [Int32] = []
    private var previousPlacementOfWorker: [Int32] = []
    /// Per agency (by number), the placements and the workers it has so far: a new placement takes
    /// the next number among its agency's, and so does a worker new to the agency (see
    /// ``StoredPlacement/numberInAgency``).
    private var placementsInAgency: [Int32] = []
    private var workersInAgency: [Int32] = []
    /// The placement of the last row stored: a placement's rows usually come together.
    private var lastPlacement: (agency: Int32, worker: Int32, destination: UInt16, number: Int32) = (-1, -1, 0, -1)
    /// Per record id: the ordinal of the accepted record of the first agency that used it (-1: none yet).
    private var recordIDOwner: [Int32] = []
    /// The same record id used by other agencies too: (agency, id) → ordinal.
    private var sharedRecordIDs: [UInt64: Int32] = [:]
    /// Record ids (and ids `repays` names), placements and workers seen before the current file.
    private var before = (ids: 0, placements: 0, workers: 0)
    /// Accepted rows in the current file, by agency number.
    private var acceptedInFile: [Int] = []
    /// Agencies by the bytes of their id, and by that id their number in the store: a row's
    /// agency is found without a String (comparing with the last row's and looking the String up
    /// in the store's table when it changed took 4% of this thread's time in a 10M batch, perf).
    private var agencyIDs = ByteInterner()
    private var agencyNumbers: [Int32] = []

    init(asOf: Day, categories: FeeCategories, occupations: Occupations, rates: ExchangeRates, agencyFilter: String?,
         employerFilter: Set<String>?) {
        checker = FeeRowChecker(asOf: asOf, categories: categories, occupations: occupations, rates: rates,
                                agencyFilter: agencyFilter, employerFilter: employerFilter)
        store = FeeStore(codes: checker.codes)
    }

    mutating func startFile(_ path: String, format: String) -> InputFileSummary {
        store.startFile(path)
        before = (store.recordIDs.count, store.placements.count, store.workers.count)
        acceptedInFile = []
        return InputFileSummary(file: path, format: format)
    }

    mutating func finishFile(_ summary: InputFileSummary) {
        var summary = summary
        for (agency, count) in acceptedInFile.enumerated() where count > 0 { summary.acceptedByAgency[store.agencies[agency]] = count }
        files.append(summary)
    }

    /// Tells that `checked` will be added soon: the table slot its record id will probe is
    /// fetched meanwhile. Ten million new ids each miss the caches, and taken one after another
    /// those misses were a quarter of the ledger's time (perf). Mutating although it changes
    /// nothing: called through the closure's capture of the state, a non-mutating call copied the
    /// whole state, every array in it retained and released, for each row.
    mutating func willAdd(_ checked: UnsafePointer<CheckedFee>) {
        let row = checked.fee
        if row.texts.has(.recordID) { store.recordIDs.prefetch(hash: row.pointee.recordIDHash) }
        store.workers.prefetch(hash: row.pointee.workerHash)
    }

    /// Makes room for what a file estimated to hold `rows` rows will add, at the rate of its first
    /// `read` rows: record ids, placements and workers. Grown a doubling at a time instead, the ten
    /// million record ids were rehashed at every step, and near the end of a 10M-row file the
    /// placements' array was copied whole, both copies held at once (the peak memory).
    mutating func expect(rows: Int, after read: Int) {
        guard read > 0 else { return }
        func expected(_ now: Int, _ before: Int) -> Int { now + (rows - read) * (now - before) / read }
        store.reserveRecords(rows - read)
        let ids = expected(store.recordIDs.count, before.ids)
        store.recordIDs.reserve(ids)
        recordIDOwner.reserveCapacity(ids)
        let placements = expected(store.placements.count, before.placements)
        store.reservePlacements(placements)
        previousPlacementOfWorker.reserveCapacity(placements)
        let workers = expected(store.workers.count, before.workers)
        store.workers.reserve(workers)
        lastPlacementOfWorker.reserveCapacity(workers)
    }

    /// Adds one row, checked on its own already and lent in place; its lines count from a segment
    /// of the file that starts after `linesBefore` lines (the row is not copied to move them: it is large).
    mutating func add(_ checked: UnsafePointer<CheckedFee>, linesBefore: Int, to summary: inout InputFileSummary) {
        summary.rowsRead += 1
        switch checked.pointee.outcome {
        case .otherAgency: otherAgencyRows[summary.file, default: 0] += 1
        case .otherEmployer: otherEmployerRows[summary.file, default: 0] += 1
        case .rejected(var location, let reason, let agencyID):
            location.line += linesBefore
            summary.rejections.append(Rejection(location: location, reason: reason, agencyID: agencyID))
        case .valid:
            let line = Int(checked.pointee.fee.fee.line) + linesBefore
            if let conflict = acceptAcrossRows(checked.fee, line: Int32(line)) {
                summary.rejections.append(Rejection(location: SourceLocation(file: summary.file, line: line), reason: conflict, agencyID: checked.fee.texts.withBytes(.agency) { String(decoding: $0, as: UTF8.self) }))
            }
        }
    }

    /// Numbers the row's agency and ids for the whole input.
    private mutating func number(_ valid: UnsafePointer<ValidFee>, line: Int32) -> (fee: StoredFee, agency: Int32, worker: Int32, repays: Int32) {
        var fee = valid.pointee.fee
        fee.line = line
        let texts = valid.texts
        let agency = texts.withBytes(.agency) { bytes in
            let (id, isNew) = agencyIDs.intern(bytes)
            if isNew { agencyNumbers.append(store.agency(String(decoding: bytes, as: UTF8.self))) }
            return agencyNumbers[Int(id)]
        }!
        let worker = texts.withBytes(.worker) { store.workers.intern($0, hashedAs: valid.pointee.workerHash).id }!
        if let id = texts.withBytes(.employer, { store.employers.intern($0).id }) { fee.employer = id }
        if let id = texts.withBytes(.sector, { store.sectors.intern($0).id }) { fee.sector = id }
        if let id = texts.withBytes(.recordID, { recordID($0, hash: valid.pointee.recordIDHash) }) { fee.recordID = id }
        let repays = texts.withBytes(.repays) { recordID($0, hash: valid.pointee.repaysHash) } ?? -1
        return (fee, agency, worker, repays)
    }

    private mutating func recordID(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int32 {
        let (number, isNew) = store.recordIDs.intern(bytes, hash: hash)
        if isNew { recordIDOwner.append(-1) }
        return number
    }

    /// Rejects a duplicate record id or a placement whose attributes disagree with an earlier row;
    /// otherwise stores the row.
    private mutating func acceptAcrossRows(_ row: UnsafePointer<ValidFee>, line: Int32) -> String? {
        let (numbered, agency, worker, repays) = number(row, line: line)
        let sharedKey = UInt64(UInt32(agency)) << 32 | UInt64(UInt32(bitPattern: numbered.recordID))
        if numbered.recordID >= 0 {
            let owner = recordIDOwner[Int(numbered.recordID)]
            let first = owner < 0 ? nil : store.agency(of: store[Int(owner)]) == agency ? owner : sharedRecordIDs[sharedKey]
            if let first {
                let at = store.location(of: Int(first))
                return "duplicate record_id '\(store.recordIDs.string(numbered.recordID))', first at \(at.file):\(at.line)"
            }
        }
        let (placementNumber, isNew, workerInAgency) = placement(agency: agency, worker: worker, destination: row.pointee.destination)
        var placement = isNew ? StoredPlacement(agency: agency, worker: worker, destination: row.pointee.destination, origin: row.pointee.origin, originAt: -1)
            : store.placements[Int(placementNumber)]
        if !isNew, let conflict = conflict(row, placement) { return conflict }
        // Accepted: store the row, then what it told about its placement.
        if isNew {
            while placementsInAgency.count <= Int(agency) { placementsInAgency.append(0); workersInAgency.append(0) }
            placement.numberInAgency = placementsInAgency[Int(agency)]
            placementsInAgency[Int(agency)] += 1
            if workerInAgency >= 0 {
                placement.workerInAgency = workerInAgency
            } else {
                placement.workerInAgency = workersInAgency[Int(agency)]
                workersInAgency[Int(agency)] += 1
            }
            let added = store.addPlacement(placement)
            assert(added == placementNumber)
            previousPlacementOfWorker.append(lastPlacementOfWorker[Int(worker)])
            lastPlacementOfWorker[Int(worker)] = placementNumber
        }
        lastPlacement = (agency, worker, row.pointee.destination, placementNumber)
        var fee = numbered
        fee.placement = placementNumber
        if row.pointee.wage != nil { fee.give(.wage) }
        if row.pointee.contractMonths != nil { fee.give(.contractMonths) }
        if row.pointee.contractSigned != nil { fee.give(.contractSigned) }
        if row.pointee.occupation != nil { fee.give(.occupation) }
        let ordinal = Int32(store.append(fee, agency: agency, amount: row.pointee.amount, refund: row.pointee.refund, repays: repays))
        // Written back only when the row told something new: most rows repeat their placement's
        // attributes, and writing it every time copied it into the store's array for each row.
        var told = isNew
        if placement.originAt < 0 { placement.originAt = ordinal; told = true }
        if let (wage, currency) = row.pointee.wage, placement.wageAt < 0 {
            placement.wage = wage; placement.wageCurrency = currency; placement.wageAt = ordinal; told = true
        }
        if let months = row.pointee.contractMonths, placement.contractMonthsAt < 0 {
            placement.contractMonths = months; placement.contractMonthsAt = ordinal; told = true
        }
        if let signed = row.pointee.contractSigned, placement.contractSignedAt < 0 {
            placement.contractSigned = signed; placement.contractSignedAt = ordinal; told = true
        }
        if let occupation = row.pointee.occupation, placement.occupationAt < 0 {
            placement.occupation = occupation; placement.occupationAt = ordinal; told = true
        }
        if row.pointee.wageCurrencyAssumed && !placement.wageCurrencyNoted {
            placement.wageCurrencyNoted = true
            told = true
            note(ordinal, "wage-currency-assumed", "monthly_wage has no wage_currency; taken to be \(store.codes.text(row.pointee.wage!.1)), the payment's currency")
        }
        if let text = row.texts.withBytes(.unknownOccupation, { String(decoding: $0, as: UTF8.self) }) {
            note(ordinal, "unknown-occupation", "occupation '\(text)' is not in the occupation list; the row is kept, the worker is unclassified where a scope names occupations")
        }
        if told { store.setPlacement(placementNumber, placement) }
        if numbered.recordID >= 0 {
            if recordIDOwner[Int(numbered.recordID)] < 0 { recordIDOwner[Int(numbered.recordID)] = ordinal } else { sharedRecordIDs[sharedKey] = ordinal }
        }
        if acceptedInFile.count <= Int(agency) { acceptedInFile += Array(repeating: 0, count: Int(agency) + 1 - acceptedInFile.count) }
        acceptedInFile[Int(agency)] += 1
        return nil
    }

    /// The number of the placement of an agency, a worker and a destination; a new placement
    /// takes the next number (a new placement is always accepted: nothing can conflict with it).
    /// For a new one, also the worker's number in the agency if another of its placements is
    /// there (-1: the worker is new to the agency).
    private mutating func placement(agency: Int32, worker: Int32, destination: UInt16) -> (number: Int32, isNew: Bool, workerInAgency: Int32) {
        if lastPlacement.agency == agency && lastPlacement.worker == worker && lastPlacement.destination == destination {
            return (lastPlacement.number, false, -1)
        }
        // Workers are numbered in order of appearance, so a new one is the next in the list.
        while lastPlacementOfWorker.count <= Int(worker) { lastPlacementOfWorker.append(-1) }
        var candidate = lastPlacementOfWorker[Int(worker)]
        var workerInAgency: Int32 = -1
        while candidate >= 0 {
            let known = store.placements[Int(candidate)]
            if known.agency == agency {
                if known.destination == destination { return (candidate, false, -1) }
                workerInAgency = known.workerInAgency
            }
            candidate = previousPlacementOfWorker[Int(candidate)]
        }
        return (Int32(store.placements.count), true, workerInAgency)
    }

    /// Why a row's placement attributes disagree with what earlier rows gave, if they do.
    private func conflict(_ row: UnsafePointer<ValidFee>, _ placement: StoredPlacement) -> String? {
        // `codes` only where a conflict is described: taken for every row, its tables were
        // retained and released each time.
        var codes: CodeTable { store.codes }
        func conflict(_ what: String, _ mine: String, _ theirs: String, _ ordinal: Int32) -> String {
            let at = store.location(of: Int(ordinal))
            return "\(what) \(mine) differs from \(theirs) given for this placement at \(at.file):\(at.line)"
        }
        if placement.originAt >= 0 && placement.origin != row.pointee.origin {
            return conflict("origin", codes.text(row.pointee.origin), codes.text(placement.origin), placement.originAt)
        }
        if let (wage, currency) = row.pointee.wage, placement.wageAt >= 0, placement.wage != wage || placement.wageCurrency != currency {
            return conflict("monthly_wage", "\(wage) \(codes.text(currency))", "\(placement.wage!) \(codes.text(placement.wageCurrency))", placement.wageAt)
        }
        if let months = row.pointee.contractMonths, placement.contractMonthsAt >= 0, placement.contractMonths != months {
            return conflict("contract_months", "\(months)", "\(placement.contractMonths)", placement.contractMonthsAt)
        }
        if let signed = row.pointee.contractSigned, placement.contractSignedAt >= 0, placement.contractSigned != signed {
            return conflict("contract_signed_on", "\(Day(ordinal: Int(signed)))", "\(Day(ordinal: Int(placement.contractSigned)))", placement.contractSignedAt)
        }
        if let occupation = row.pointee.occupation, placement.occupationAt >= 0, placement.occupation != occupation {
            return conflict("occupation", codes.text(occupation), codes.text(placement.occupation), placement.occupationAt)
        }
        return nil
    }

    private mutating func note(_ ordinal: Int32, _ code: String, _ message: String) {
        let agency = store.agencies[Int(store.agency(of: store[Int(ordinal)]))]
        notesByAgency[agency, default: []].append(DataQualityNote(location: store.location(of: Int(ordinal)), code: code, message: message))
    }

    /// Frees the tables that number texts (rebuilt should another file be read) and sorts the
    /// records by agency; then notes on rows that were kept: `repays` naming no recorded loan.
    mutating func finish() {
        store.finishReading()
        let loan = UInt8(StoredFee.methods.firstIndex(of: .loan)! + 1)
        // Only the agencies with a record that repays a loan are looked through: an agency's
        // records lie all over the store, a cache miss each.
        for index in store.agenciesWithRepayments.sorted() {
            let agency = store.agencies[Int(index)]
            let ordinals = store.ordinals(ofAgency: index)
            var loans = Set<Int32>()
            for ordinal in ordinals {
                let fee = store[Int(ordinal)]
                if fee.method == loan && fee.recordID >= 0 { loans.insert(fee.recordID) }
            }
            for ordinal in ordinals {
                let repays = store.repays(of: Int(ordinal))
                if repays >= 0 && !loans.contains(repays) {
                    notesByAgency[agency, default: []].append(DataQualityNote(location: store.location(of: Int(ordinal)), code: "repays-unknown-loan",
                        message: "repays '\(store.recordIDs.string(repays))' names no loan record of this agency; the deduction is counted as a worker payment"))
                }
            }
        }
        for agency in notesByAgency.keys { notesByAgency[agency]!.sort { ($0.location, $0.code) < ($1.location, $1.code) } }
    }
}

/// Whether a text is a valid agency id (§3.4: `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`).
public func isValidAgencyID(_ text: String) -> Bool { Validators.isAgencyID(text) }

/// How an input file is read.
public enum InputFormat {
    /// XML when the name ends in `.xml` (any case); everything else is read as CSV.
    public static func isXML(_ path: String) -> Bool { path.lowercased().hasSuffix(".xml") }
}

