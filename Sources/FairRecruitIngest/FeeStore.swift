import CPrefetch
import FairRecruitCore

/// The accepted fee records of every agency, kept compact: a batch holds millions of them at once
/// (a ``FeeRecord``, twelve Strings and a location, is about 300 bytes; a stored one is 40), and
/// each agency's are turned back into ``FeeRecord``s only when it is audited. Refunds and the
/// loans wage deductions repay, which few payments have, are kept beside the records.
public struct FeeStore: Sendable {
    /// The agencies of rows read so far (accepted or not), in first-seen order; an agency's index
    /// is its position here.
    private(set) var agencies: [String] = []
    private var agencyIndex: [String: Int32] = [:]
    /// Per agency, its records' ordinals in input order: those read until reading last finished
    /// (see ``finishReading()``).
    private var byAgency: [[UInt32]] = []
    /// The agency of each record read since, in input order, to be sorted into `byAgency` when
    /// reading finishes. Appending each row to its agency's list as it was stored missed the
    /// caches (a list per agency, 1,300 of them) on the thread that stores rows, which the
    /// parsing threads wait for (perf, 10M batch: a tenth of that thread's reading).
    private var agencyOfNewRecords: [Int32] = []
    /// Records in input order, in blocks so that growing never copies them all.
    private var blocks: [[StoredFee]] = []
    private static let blockSize = 1 << 16
    private(set) var placements: [StoredPlacement] = []
    /// Amounts that do not fit 64 bits of millionths, by ordinal (rare: over 9.2 × 10^12).
    private var largeAmounts: [Int32: ExactDecimal] = [:]
    /// Refunds by ordinal.
    private var refunds: [Int32: (amount: ExactDecimal, on: Int32)] = [:]
    /// The record id a wage deduction repays, by ordinal (few records name one).
    private var repaid: [Int32: Int32] = [:]

    /// The files read, and the ordinal of each one's first record: records are kept in input
    /// order, so a record's file follows from its ordinal instead of taking 4 bytes in each.
    private(set) var files: [String] = []
    private var fileStarts: [Int] = []
    // Texts by id.
    var workers = ByteInterner()
    var employers = ByteInterner()
    var sectors = ByteInterner()
    /// Record ids and the ids `repays` names.
    var recordIDs = ByteInterner()
    let codes: CodeTable

    init(codes: CodeTable) { self.codes = codes }

    public var count: Int { blocks.isEmpty ? 0 : (blocks.count - 1) * Self.blockSize + blocks[blocks.count - 1].count }

    /// An agency's accepted records, in input order.
    public func records(of agency: String) -> [FeeRecord] { audited(agency).records }

    /// An agency's accepted records, in input order, with each one's placement and worker numbered
    /// as the engine numbers them.
    /// - Parameter onAllCores: rebuild a large agency's records in pieces on every core (a single
    ///   audit, whose other core is idle then; a batch's agencies are already spread over them).
    public func audited(_ agency: String, onAllCores: Bool = false) -> (records: [FeeRecord], grouping: RecordGrouping) {
        guard let index = agencyIndex[agency] else { return ([], RecordGrouping(placementOfRecord: [], workerOfRecord: [])) }
        let ordinals = ordinals(ofAgency: index)
        var placementOfRecord = [Int32](repeating: 0, count: ordinals.count), workerOfRecord = placementOfRecord
        // In pieces of 64K records, each with texts of its own (see AgencyTexts). On one core,
        // rebuilding a 1M-record agency was a fifth of a single audit's engine phase (perf).
        let records = placementOfRecord.withUnsafeMutableBufferPointer { placementOfRecord in
            workerOfRecord.withUnsafeMutableBufferPointer { workerOfRecord in
                let numbers = Numbers(placements: placementOfRecord, workers: workerOfRecord)
                return Cores.array(count: ordinals.count, pieceSize: Self.blockSize, onAllCores: onAllCores) { range, start in
                    rebuild(ordinals, range, into: start, numbering: numbers, agency: agency)
                }
            }
        }
        return (records, RecordGrouping(placementOfRecord: placementOfRecord, workerOfRecord: workerOfRecord))
    }

    /// Where the pieces rebuilt on several cores write their records' numbers, each its own range.
    private struct Numbers: @unchecked Sendable {
        let placements: UnsafeMutableBufferPointer<Int32>
        let workers: UnsafeMutableBufferPointer<Int32>
    }

    /// Rebuilds the records at `range` of `ordinals` from `start` on, and writes their numbers.
    private func rebuild(_ ordinals: [UInt32], _ range: Range<Int>, into start: UnsafeMutablePointer<FeeRecord>, numbering numbers: Numbers,
                         agency: String) {
        var texts = AgencyTexts(agency: agency, of: self)
        for (offset, i) in range.enumerated() {
            // An agency's records lie scattered over the store, among every other agency's: the
            // record a few places ahead is fetched, then what it points to (its placement and
            // where its record id's text is) once it has arrived, then that text, so that their
            // cache misses overlap (perf: loading those was most of this function's samples).
            if i + 24 < range.upperBound { prefetch(ordinal: Int(ordinals[i + 24])) }
            if i + 16 < range.upperBound { prefetchReferences(ofOrdinal: Int(ordinals[i + 16])) }
            if i + 8 < range.upperBound { prefetchRecordIDText(ofOrdinal: Int(ordinals[i + 8])) }
            let ordinal = Int(ordinals[i])
            (start + offset).initialize(to: record(at: ordinal, texts: &texts))
            let placement = placements[Int(self[ordinal].placement)]
            numbers.placements[i] = placement.numberInAgency
            numbers.workers[i] = placement.workerInAgency
        }
    }

    private func prefetch(ordinal: Int) {
        blocks[ordinal / Self.blockSize].withUnsafeBufferPointer { fr_prefetch($0.baseAddress! + ordinal % Self.blockSize) }
    }

    private func prefetchReferences(ofOrdinal ordinal: Int) {
        let fee = self[ordinal]
        placements.withUnsafeBufferPointer { fr_prefetch($0.baseAddress! + Int(fee.placement)) }
        if fee.recordID >= 0 { recordIDs.prefetch(id: fee.recordID) }
    }

    private func prefetchRecordIDText(ofOrdinal ordinal: Int) {
        let id = self[ordinal].recordID
        if id >= 0 { recordIDs.prefetchText(of: id) }
    }

    /// The texts one agency's records are rebuilt with.
    ///
    /// Texts longer than 15 bytes live on the heap, and each copy or release of a record retains
    /// or releases them. Shared with the agencies audited on other threads (the file name above
    /// all, in every record), their reference counts were cache lines the cores fought over: each
    /// agency gets copies of its own (perf, 10M-record batch: a seventh fewer samples in
    /// swift_retain and swift_release during the audits).
    struct AgencyTexts {
        let agency: String
        /// By file number.
        let files: [String]
        /// By code number: 0 until the agency first uses the code, then `shortCode`, or the place
        /// + 1 in `longCodes` of the agency's copy of a code longer than 15 bytes (a few
        /// occupations and categories). Looked up here rather than in the code table, so that
        /// the table's long texts, shared by every agency, are not retained and released for
        /// every record.
        private var codeSlots: [UInt16]
        private var longCodes: [String] = []
        private static let shortCode = UInt16.max
        /// The file of the last record rebuilt: an agency's records come in input order, so a
        /// record's file is this one or a later one.
        var file = 0
        /// The worker, employer and sector of the last record: an agency's records come a
        /// placement at a time, so most records reuse them instead of decoding them again.
        var worker: (id: Int32, text: String) = (-1, "")
        var employer: (id: Int32, text: String) = (-1, "")
        var sector: (id: Int32, text: String) = (-1, "")

        init(agency: String, of store: FeeStore) {
            self.agency = agency.withOwnStorage
            files = store.files.map(\.withOwnStorage)
            codeSlots = Array(repeating: 0, count: store.codes.count)
        }

        /// The text of a code. Inlined: a call for each of a record's five or so codes was an
        /// eighth of rebuilding it (callgrind).
        @inline(__always)
        mutating func code(_ number: UInt16, in table: CodeTable) -> String {
            switch codeSlots[Int(number)] {
            case Self.shortCode: table.text(number)
            case 0: firstUse(ofCode: number, in: table)
            case let slot: longCodes[Int(slot) - 1]
            }
        }

        private mutating func firstUse(ofCode number: UInt16, in table: CodeTable) -> String {
            let text = table.text(number)
            guard text.utf8.count > 15 else {
                codeSlots[Int(number)] = Self.shortCode
                return text
            }
            longCodes.append(text.withOwnStorage)
            codeSlots[Int(number)] = UInt16(longCodes.count)
            return longCodes[longCodes.count - 1]
        }

        /// The file a record was read from: the last one that starts at or before its ordinal (files
        /// with no record start where the next one does). Called in input order.
        mutating func file(of ordinal: Int, in store: FeeStore) -> String {
            while file + 1 < files.count && store.fileStarts[file + 1] <= ordinal { file += 1 }
            return files[file]
        }
    }

    /// The agencies with accepted records, in first-seen order.
    private var agenciesWithRecords: [String] { agencies.indices.filter { !ordinals(ofAgency: Int32($0)).isEmpty }.map { agencies[$0] } }

    /// Every agency's records (small inputs and tests).
    public var all: [String: [FeeRecord]] {
        Dictionary(uniqueKeysWithValues: agenciesWithRecords.map { ($0, records(of: $0)) })
    }

    mutating func agency(_ id: String) -> Int32 {
        if let index = agencyIndex[id] { return index }
        let index = Int32(agencies.count)
        agencies.append(id)
        agencyIndex[id] = index
        byAgency.append([])
        return index
    }

    subscript(ordinal: Int) -> StoredFee { blocks[ordinal / Self.blockSize][ordinal % Self.blockSize] }

    /// The ordinals of an agency's records.
    func ordinals(ofAgency index: Int32) -> [UInt32] {
        guard !agencyOfNewRecords.isEmpty else { return byAgency[Int(index)] }
        // Records stored since reading last finished (asked for before the end: small inputs, tests).
        let first = count - agencyOfNewRecords.count
        return byAgency[Int(index)] + agencyOfNewRecords.indices.filter { agencyOfNewRecords[$0] == index }.map { UInt32(first + $0) }
    }

    /// Frees the tables that number texts, once every file is read (see ``ByteInterner/dropLookup()``),
    /// then sorts the records read since by agency (each agency's list grown once, to its size).
    mutating func finishReading() {
        workers.dropLookup(); employers.dropLookup(); sectors.dropLookup(); recordIDs.dropLookup()
        let first = count - agencyOfNewRecords.count
        var added = [Int](repeating: 0, count: byAgency.count)
        for agency in agencyOfNewRecords { added[Int(agency)] += 1 }
        for (agency, more) in added.enumerated() where more > 0 { byAgency[agency].reserveCapacity(byAgency[agency].count + more) }
        for (offset, agency) in agencyOfNewRecords.enumerated() { byAgency[Int(agency)].append(UInt32(first + offset)) }
        agencyOfNewRecords = []
    }

    /// Makes room for `count` more records (a large file's first rows tell how many it holds).
    mutating func reserveRecords(_ count: Int) { agencyOfNewRecords.reserveCapacity(agencyOfNewRecords.count + count) }

    mutating func startFile(_ path: String) {
        files.append(path)
        fileStarts.append(count)
    }

    mutating func append(_ fee: StoredFee, agency: Int32, amount: ExactDecimal, refund: (amount: ExactDecimal, on: Int32)?,
                         repays: Int32) -> Int {
        var fee = fee
        let ordinal = count
        if let small = Int64(exactly: amount.scaled), small != Int64.min { fee.amount = small } else {
            fee.amount = Int64.min
            largeAmounts[Int32(ordinal)] = amount
        }
        if let refund {
            refunds[Int32(ordinal)] = refund
            fee.give(.refund)
        }
        if repays >= 0 {
            repaid[Int32(ordinal)] = repays
            fee.give(.repays)
        }
        if blocks.isEmpty || blocks[blocks.count - 1].count == Self.blockSize {
            blocks.append([])
            blocks[blocks.count - 1].reserveCapacity(Self.blockSize)
        }
        blocks[blocks.count - 1].append(fee)
        agencyOfNewRecords.append(agency)
        return ordinal
    }

    mutating func reservePlacements(_ count: Int) { placements.reserveCapacity(count) }

    mutating func addPlacement(_ placement: StoredPlacement) -> Int32 {
        placements.append(placement)
        return Int32(placements.count - 1)
    }

    mutating func setPlacement(_ index: Int32, _ placement: StoredPlacement) { placements[Int(index)] = placement }

    /// The agency of a stored record, by number.
    func agency(of fee: StoredFee) -> Int32 { placements[Int(fee.placement)].agency }

    /// Where a record was read.
    func location(of ordinal: Int) -> SourceLocation {
        // The last file that starts at or before the ordinal (files with no record start where the next one does).
        var low = 0, high = fileStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if fileStarts[middle] <= ordinal { low = middle } else { high = middle - 1 }
        }
        return SourceLocation(file: files[low], line: Int(self[ordinal].line))
    }

    /// The agencies (by number) with a record that names a loan it repays.
    var agenciesWithRepayments: Set<Int32> { Set(repaid.keys.map { agency(of: self[Int($0)]) }) }

    /// The record id a record's `repays` names, or -1.
    func repays(of ordinal: Int) -> Int32 { self[ordinal].gives(.repays) ? repaid[Int32(ordinal)]! : -1 }

    func record(at ordinal: Int, texts: inout AgencyTexts) -> FeeRecord {
        let fee = self[ordinal]
        let repays = repays(of: ordinal)
        let placement = placements[Int(fee.placement)]
        if texts.worker.id != placement.worker { texts.worker = (placement.worker, workers.string(placement.worker)) }
        if fee.employer >= 0 && texts.employer.id != fee.employer {
            texts.employer = (fee.employer, employers.string(fee.employer))
        }
        if fee.sector >= 0 && texts.sector.id != fee.sector { texts.sector = (fee.sector, sectors.string(fee.sector)) }
        let refund = fee.gives(.refund) ? refunds[Int32(ordinal)] : nil
        let wage = fee.gives(.wage) ? placement.wage : nil
        // One initializer call with every field: setting the optional fields afterwards copied
        // and destroyed the whole record (a third of this function, callgrind).
        return FeeRecord(
            agencyID: texts.agency, workerID: texts.worker.text,
            origin: texts.code(placement.origin, in: codes), destination: texts.code(placement.destination, in: codes),
            category: texts.code(fee.category, in: codes),
            amount: fee.amount == Int64.min ? largeAmounts[Int32(ordinal)]! : ExactDecimal(scaled: Int128(fee.amount)),
            currency: texts.code(fee.currency, in: codes), paidBy: StoredFee.payers[Int(fee.paidBy)],
            paidOn: Day(ordinal: Int(fee.paidOn)),
            method: fee.method > 0 ? StoredFee.methods[Int(fee.method) - 1] : nil,
            receipt: fee.receipt > 0 ? fee.receipt == 2 : nil,
            refundedAmount: refund?.amount ?? .zero, refundedOn: refund.map { Day(ordinal: Int($0.on)) },
            monthlyWage: wage, wageCurrency: wage == nil ? nil : texts.code(placement.wageCurrency, in: codes),
            contractMonths: fee.gives(.contractMonths) ? Int(placement.contractMonths) : nil,
            contractSignedOn: fee.gives(.contractSigned) ? Day(ordinal: Int(placement.contractSigned)) : nil,
            occupation: fee.gives(.occupation) ? texts.code(placement.occupation, in: codes) : nil,
            sector: fee.sector >= 0 ? texts.sector.text : nil,
            employer: fee.employer >= 0 ? texts.employer.text : nil,
            recordID: fee.recordID >= 0 ? recordIDs.string(fee.recordID) : nil,
            repays: repays >= 0 ? recordIDs.string(repays) : nil,
            location: SourceLocation(file: texts.file(of: ordinal, in: self), line: Int(fee.line)))
    }
}

/// One accepted payment in 40 bytes: texts as ids, the amount in millionths, dates as day numbers.
/// The agency and the placement's attributes (origin, wage, contract, occupation) live once in
/// its ``StoredPlacement``; `given` says which of them this row gave. The file follows from the
/// record's place in the store; refunds and `repays`, which few rows have, are kept beside.
struct StoredFee: Sendable {
    static let noDay = Int32.min
    // `allCases` builds a new array on every call.
    static let payers = Payer.allCases
    static let methods = PaymentMethod.allCases
    var amount: Int64 = 0
    var placement: Int32 = 0
    var recordID: Int32 = -1
    var employer: Int32 = -1
    var sector: Int32 = -1
    var line: Int32 = 0
    var paidOn: Int32 = 0
    var category: UInt16 = 0
    var currency: UInt16 = 0
    /// Index in `payers`.
    var paidBy: UInt8 = 0
    /// 0 when not given, else 1 + index in `methods`.
    var method: UInt8 = 0
    /// 0 when not given, 1 for no, 2 for yes.
    var receipt: UInt8 = 0
    var given: UInt8 = 0

    /// `refund`, `repays`: the record has one beside it in the store (looked up only then).
    enum Given: UInt8 { case wage = 1, contractMonths = 2, contractSigned = 4, occupation = 8, refund = 16, repays = 32 }
    func gives(_ what: Given) -> Bool { given & what.rawValue != 0 }
    mutating func give(_ what: Given) { given |= what.rawValue }
}

/// A placement — an agency, a worker and a destination — and the attributes its rows agree on.
struct StoredPlacement: Sendable {
    var agency: Int32
    var worker: Int32
    var destination: UInt16
    var origin: UInt16
    var wage: ExactDecimal?
    var wageCurrency: UInt16 = 0
    var contractMonths: Int32 = 0
    var contractSigned: Int32 = StoredFee.noDay
    var occupation: UInt16 = 0
    /// Rows that first gave each attribute (ordinals), for conflict messages.
    var originAt: Int32
    var wageAt: Int32 = -1
    var contractMonthsAt: Int32 = -1
    var contractSignedAt: Int32 = -1
    var occupationAt: Int32 = -1
    /// A row gave a wage without its currency (noted once per placement).
    var wageCurrencyNoted = false
    /// The placement's number among its agency's, and its worker's, in order of first appearance
    /// (see ``RecordGrouping``). In the padding: the size stays 80 bytes.
    var numberInAgency: Int32 = -1
    var workerInAgency: Int32 = -1
}

/// Every code a record may carry (countries, currencies, categories, occupations), numbered in a
/// fixed order, so that rows checked on different threads agree on the numbers.
struct CodeTable: Sendable {
    private let texts: [String]
    private let numbers: [String: UInt16]
    init(_ codes: [String]) {
        var texts: [String] = []
        var numbers: [String: UInt16] = [:]
        for code in codes where numbers[code] == nil {
            numbers[code] = UInt16(texts.count)
            texts.append(code)
        }
        self.texts = texts; self.numbers = numbers
    }
    var count: Int { texts.count }
    func number(_ code: String) -> UInt16? { numbers[code] }
    func text(_ number: UInt16) -> String { texts[Int(number)] }
}

extension String {
    /// The same text with storage of its own when it has any (up to 15 bytes a String is kept
    /// inline). A String shared by threads that copy and drop it for every record has its
    /// reference count on a cache line the cores fight over; each thread's own copy has not.
    var withOwnStorage: String {
        guard utf8.count > 15 else { return self }
        var text = self
        return text.withUTF8 { String(decoding: $0, as: UTF8.self) }
    }
}
