import FairRecruitCore

/// One CSV record: its fields and the line it starts on.
public struct CSVRecord: Sendable {
    public var line: Int
    public var fields: [String]
    /// A problem confined to this record (a stray quote): the record is rejected, reading goes on.
    public var problem: String?
    /// Per field, where it starts (a quoted field at its opening quote), for messages about one field.
    public var fieldStarts: [SourceLocation] = []
}

/// A field of a record: a range of bytes, and whether it was quoted.
typealias CSVField = (start: Int, end: Int, quoted: Bool)

/// A record as byte ranges, valid only inside ``CSVReader/nextRecord(_:)``'s callback: reading a
/// large file this way makes no String until a value is needed.
struct CSVRecordView {
    var line: Int
    var problem: String?
    /// Per field: a range of `bytes`, or of `unescaped` for a quoted field.
    let fields: UnsafeBufferPointer<CSVField>
    let bytes: UnsafeBufferPointer<UInt8>
    let unescaped: UnsafeBufferPointer<UInt8>

    var count: Int { fields.count }

    /// A field's bytes, unquoted and unescaped.
    func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let f = fields[index]
        return UnsafeBufferPointer(rebasing: (f.quoted ? unescaped : bytes)[f.start..<f.end])
    }
}

/// A streaming RFC 4180 reader: quoted fields with commas, quotes and line breaks, CRLF or LF,
/// an optional byte-order mark. Invalid UTF-8 stops the file with the bad byte's line and column;
/// an unterminated quote stops it at the opening quote.
///
/// Records are scanned in a buffer of whole chunks, bytes compared in place: the earlier reader,
/// a call and an array append per byte, took 40% of a million-row batch (perf).
public final class CSVReader {
    private let stream: ChunkSource
    public let path: String
    // The properties used for every record are not checked for exclusive access at run time: a
    // reader is used by one thread, and its methods never overlap two accesses to one of them.
    // The checks were about 400 instructions a record, a third of scanning it (callgrind).
    @exclusivity(unchecked) private var buffer: [UInt8] = []
    /// Start of the bytes not yet read as records.
    @exclusivity(unchecked) private var start = 0
    private var atEndOfFile = false
    /// Line and column of the next record's first byte (columns count characters; only a line feed
    /// starts a new line, as in every editor).
    @exclusivity(unchecked) private(set) var line = 1
    @exclusivity(unchecked) private var column = 1
    // Per record, reused. The fields are kept in a buffer of the reader's own, grown when a record
    // has more than any before: appending to an Array checked its uniqueness for every field, a
    // third of the scan's instructions (callgrind).
    @exclusivity(unchecked) private var fields = UnsafeMutableBufferPointer<CSVField>.allocate(capacity: 32)
    @exclusivity(unchecked) private var fieldCount = 0
    @exclusivity(unchecked) private var unescaped: [UInt8] = []
    /// Whether ``scanPlain(_:)`` is tried before ``scan(_:)``; off only in tests, to compare the two.
    var triesPlainScan = true

    /// Reading a segment of a file (``ParallelReading``): a record still open at the end of the
    /// bytes is not the file's last but continues in the next segment; reading stops before it.
    private let endsMidFile: Bool
    /// Where that open record starts in the bytes read, and its line and column.
    private(set) var openRecord: (offset: Int, line: Int, column: Int)?
    private var consumed = 0   // bytes dropped from the front of `buffer`

    public convenience init(path: String, progress: ReadProgress? = nil) throws(IngestError) {
        let stream = try ByteStream(path: path)
        stream.progress = progress
        self.init(source: stream, path: path)
    }

    /// A reader of `source`'s bytes, starting at `line` and `column` of `path`.
    init(source: ChunkSource, path: String, line: Int = 1, column: Int = 1, endsMidFile: Bool = false) {
        stream = source; self.path = path; self.line = line; self.column = column; self.endsMidFile = endsMidFile
    }

    deinit { fields.deallocate() }

    /// The bytes not read yet, and the stream they came from, for reading the rest in segments.
    func remainder() -> (stream: ChunkSource, bytes: [UInt8], line: Int, column: Int) {
        (stream, Array(buffer[start...]), line, column)
    }

    /// The next non-blank record with its fields as Strings and where each starts, or nil at the end
    /// of the file.
    public func next() throws(IngestError) -> CSVRecord? {
        var record: CSVRecord?
        _ = try nextLocatedRecord { view, starts in
            record = CSVRecord(line: view.line, fields: (0..<view.count).map { String(decoding: view.field($0), as: UTF8.self) },
                               problem: view.problem, fieldStarts: starts)
        }
        return record
    }

    /// Calls `body` with the next non-blank record; returns false at the end of the file.
    func nextRecord(_ body: (CSVRecordView) throws(IngestError) -> Void) throws(IngestError) -> Bool {
        while true {
            // The usual record, plain and whole in the buffer, is scanned and handed over with the
            // buffer lent once: lent for each, it was retained and released twice a row (callgrind).
            let triesPlainHere = triesPlainScan && start < buffer.count
            if triesPlainHere {
                let plain: Result<Bool?, IngestError> = buffer.withUnsafeBufferPointer { bytes in
                    guard let scan = scanPlain(bytes) else { return .success(nil) }
                    defer { start = scan.end }
                    let fields = UnsafeMutableBufferPointer(rebasing: self.fields[..<fieldCount])
                    if isBlank(scan, fields) { return .success(false) }
                    return view(scan, fields, bytes, body).map { true }
                }
                switch plain {
                case .success(true): return true
                case .success(false): continue
                case .success(nil): break
                case .failure(let error): throw error
                }
            }
            guard let scan = try scanRecord(plainScanTried: triesPlainHere) else { return false }
            defer { start = scan.end }
            let fields = UnsafeMutableBufferPointer(rebasing: self.fields[..<fieldCount])
            if isBlank(scan, fields) { continue }
            try withView(scan, fields, body)
            return true
        }
    }

    /// Whether a record is a blank line: nothing, only "", or only spaces and tabs.
    @inline(__always)
    private func isBlank(_ scan: Scan, _ fields: UnsafeMutableBufferPointer<CSVField>) -> Bool {
        guard fields.count == 1 && scan.problem == nil else { return false }
        let field = fields[0]
        if field.quoted { return field.end - field.start == 2 }
        return field.end == field.start
            || buffer.withUnsafeBufferPointer { $0[field.start..<field.end].allSatisfy { $0 == 0x20 || $0 == 0x09 } }
    }

    /// Calls `body` with the record just scanned, its quoted fields unescaped.
    @inline(__always)
    private func withView(_ scan: Scan, _ fields: UnsafeMutableBufferPointer<CSVField>,
                          _ body: (CSVRecordView) throws(IngestError) -> Void) throws(IngestError) {
        try buffer.withUnsafeBufferPointer { view(scan, fields, $0, body) }.get()
    }

    /// Calls `body` with the record just scanned in `bytes` (the buffer's), its quoted fields unescaped.
    @inline(__always)
    private func view(_ scan: Scan, _ fields: UnsafeMutableBufferPointer<CSVField>, _ bytes: UnsafeBufferPointer<UInt8>,
                      _ body: (CSVRecordView) throws(IngestError) -> Void) -> Result<Void, IngestError> {
        // Most records have no quoted field: the scratch buffer is left alone (its retain and
        // release, and the check that it is not shared, were a row's, callgrind).
        guard scan.quoted else {
            let view = CSVRecordView(line: scan.line, problem: scan.problem, fields: UnsafeBufferPointer(fields), bytes: bytes,
                                     unescaped: UnsafeBufferPointer(start: nil, count: 0))
            return Result { () throws(IngestError) in try body(view) }
        }
        // Quoted fields are unescaped into a scratch buffer; their ranges then point there.
        unescaped.removeAll(keepingCapacity: true)
        for index in fields.indices where fields[index].quoted {
            let from = unescaped.count
            Self.unquote(UnsafeBufferPointer(rebasing: bytes[fields[index].start..<fields[index].end]), into: &unescaped)
            fields[index] = (from, unescaped.count, true)
        }
        return unescaped.withUnsafeBufferPointer { unescapedBytes in
            let view = CSVRecordView(line: scan.line, problem: scan.problem, fields: UnsafeBufferPointer(fields), bytes: bytes, unescaped: unescapedBytes)
            return Result { () throws(IngestError) in try body(view) }
        }
    }

    /// Calls `body` with the next non-blank record and where each of its fields starts; returns false
    /// at the end of the file. For the small files whose messages name a field: the positions are
    /// found by reading the record's bytes again. ``nextRecord(_:)``, which reads large files, never
    /// does; its loop is kept apart from this one (the parts they share are always inlined) so that
    /// its machine code stays as it was.
    func nextLocatedRecord(_ body: (CSVRecordView, [SourceLocation]) throws(IngestError) -> Void) throws(IngestError) -> Bool {
        while true {
            let column = self.column   // where the record starts, past any blank line before it
            guard let scan = try scanRecord() else { return false }
            defer { start = scan.end }
            let fields = UnsafeMutableBufferPointer(rebasing: self.fields[..<fieldCount])
            if isBlank(scan, fields) { continue }
            let starts = buffer.withUnsafeBufferPointer { Self.fieldStarts($0, from: start, line: scan.line, column: column) }
            try withView(scan, fields) { view throws(IngestError) in
                try body(view, starts.map { SourceLocation(file: path, line: $0.line, column: $0.column) })
            }
            return true
        }
    }

    /// Where each field of the record at `bytes[from...]` starts, the record starting at `line` and
    /// `column`: the record is read again as ``scan(_:)`` read it (a quoted field starts at its
    /// opening quote), counting characters, not bytes, and only a line feed starting a new line.
    static func fieldStarts(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, line: Int, column: Int) -> [(line: Int, column: Int)] {
        var starts: [(line: Int, column: Int)] = []
        var (p, line, column) = (from, line, column)
        let end = bytes.count
        func advance() {
            if bytes[p] == 0x0A { line += 1; column = 1 } else if bytes[p] & 0xC0 != 0x80 { column += 1 }
            p += 1
        }
        while true {
            starts.append((line, column))
            if p < end && bytes[p] == UInt8(ascii: "\"") {
                advance()
                while p < end {
                    if bytes[p] == UInt8(ascii: "\"") {
                        advance()
                        if p < end && bytes[p] == UInt8(ascii: "\"") { advance(); continue }
                        break
                    }
                    advance()
                }
            }
            // The rest of the field: all of an unquoted one, any text after a closing quote.
            while p < end && bytes[p] != UInt8(ascii: ",") && bytes[p] != 0x0A && bytes[p] != 0x0D { advance() }
            guard p < end && bytes[p] == UInt8(ascii: ",") else { return starts }
            advance()
        }
    }

    /// A quoted field's text: between the quotes, doubled quotes as one, and any text after the
    /// closing quote kept as written (such a record is rejected anyway).
    private static func unquote(_ raw: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var i = 1   // past the opening quote
        while i < raw.count {
            let byte = raw[i]
            if byte == UInt8(ascii: "\"") {
                if i + 1 < raw.count && raw[i + 1] == UInt8(ascii: "\"") { out.append(byte); i += 2; continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: raw[(i + 1)...]))
                return
            }
            out.append(byte)
            i += 1
        }
    }

    private struct Scan {
        var line: Int
        var end: Int
        var problem: String?
        /// Whether a field was quoted (and needs unescaping).
        var quoted: Bool
    }

    /// Finds the next record's fields (into `fields`) from `start`, reading more of the file when
    /// the record runs past the buffer. Nil at the end of the file.
    /// - Parameter plainScanTried: ``scanPlain(_:)`` found no plain record at `start` already.
    private func scanRecord(plainScanTried: Bool = false) throws(IngestError) -> Scan? {
        var tryPlain = triesPlainScan && !plainScanTried
        while true {
            if start == buffer.count {
                if atEndOfFile { return nil }
                try refill()
                tryPlain = triesPlainScan
                continue
            }
            if let scan = try buffer.withUnsafeBufferPointer({ bytes throws(IngestError) -> Scan? in
                if tryPlain, let plain = scanPlain(bytes) { return plain }
                return try scan(bytes)
            }) { return scan }
            if atEndOfFile {   // only when the bytes end mid-file: a record continues in the next segment
                openRecord = (consumed + start, line, column)
                start = buffer.count
                return nil
            }
            try refill()
            tryPlain = triesPlainScan
        }
    }

    /// Moves the unread bytes to the front and appends the next chunk; marks the end of the file.
    /// At the end nothing is moved: a segment's buffer is the segment's own array, shared, and
    /// moving its last bytes copied all of it first (perf, 10M batch: 3% of parsing).
    private func refill() throws(IngestError) {
        guard let chunk = try stream.next() else { atEndOfFile = true; return }
        if start > 0 { buffer.removeSubrange(0..<start); consumed += start; start = 0 }
        // Taken as it is when nothing is left over, as for a whole segment: no copy of its bytes.
        if buffer.isEmpty { buffer = chunk } else { buffer.append(contentsOf: chunk) }
    }

    /// `fields` moved to a buffer twice as large.
    private static func doubled(_ fields: UnsafeMutableBufferPointer<CSVField>) -> UnsafeMutableBufferPointer<CSVField> {
        let grown = UnsafeMutableBufferPointer<CSVField>.allocate(capacity: 2 * fields.count)
        _ = grown.initialize(fromContentsOf: fields)
        fields.deallocate()
        return grown
    }

    /// Scans the common record, eight bytes at a time: ASCII fields without quotes or carriage
    /// returns, ended by a line feed within the buffer. Nil for any other record (or when fewer
    /// than eight bytes are left to load), which ``scan(_:)`` then reads from its start.
    ///
    /// The byte-by-byte scan spends ~35 instructions a field on its checks, plus ~5 a byte
    /// (callgrind on 100K rows of 19 fields in ~113 bytes: scan 1,512 → 972 instructions a row).
    private func scanPlain(_ bytes: UnsafeBufferPointer<UInt8>) -> Scan? {
        guard let base = bytes.baseAddress else { return nil }
        var fields = self.fields
        defer { self.fields = fields }
        var count = 0
        var fieldStart = start
        var p = start
        let lastLoad = bytes.count &- 8
        while p <= lastLoad {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self))
            var commas = Self.matches(word, UInt8(ascii: ","))
            var lineFeeds: UInt64 = 0
            // Bytes below "-" other than commas (line feeds, spaces) or ≥ 0x80 are rare: only then is
            // the word searched for line feeds, and for what needs the full scan.
            if Self.belowHyphenOrNonASCII(word) != commas {
                if (word | Self.matches(word, UInt8(ascii: "\"")) | Self.matches(word, 0x0D) | Self.matches(word, 0)) & Self.highBits != 0 { return nil }
                lineFeeds = Self.matches(word, 0x0A)
                if lineFeeds != 0 { commas &= (lineFeeds & (0 &- lineFeeds)) &- 1 }   // those before the first line feed
            }
            if fields.count &- count < 8 { fields = Self.doubled(fields) }   // room for a word's fields
            while commas != 0 {
                let comma = p &+ commas.trailingZeroBitCount >> 3
                fields[count] = (fieldStart, comma, false)
                count &+= 1
                fieldStart = comma &+ 1
                commas &= commas &- 1
            }
            if lineFeeds != 0 {
                let lineFeed = p &+ lineFeeds.trailingZeroBitCount >> 3
                fields[count] = (fieldStart, lineFeed, false)
                fieldCount = count &+ 1
                let scan = Scan(line: line, end: lineFeed &+ 1, problem: nil, quoted: false)
                line += 1
                column = 1
                return scan
            }
            p &+= 8
        }
        return nil
    }

    private static let highBits: UInt64 = 0x8080_8080_8080_8080
    private static let lowBits: UInt64 = 0x7F7F_7F7F_7F7F_7F7F

    /// The high bit of each byte of `word` equal to `byte`, and of no other: a byte XOR `byte` is
    /// zero when neither its low seven bits plus 0x7F (which never carries out of the byte) nor
    /// the byte itself has the high bit set.
    private static func matches(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let difference = word ^ (0x0101_0101_0101_0101 &* UInt64(byte))
        return ~(((difference & lowBits) &+ lowBits) | difference) & highBits
    }

    /// The high bit of each byte of `word` below "-" (0x2D) or ≥ 0x80, and of no other when every
    /// byte is ASCII (adding 0x53 then carries into the high bit of a byte from 0x2D up, never
    /// into the next byte); a byte ≥ 0x80 always has its own.
    private static func belowHyphenOrNonASCII(_ word: UInt64) -> UInt64 {
        (word | ~(word &+ 0x5353_5353_5353_5353)) & highBits
    }

    /// Scans one record starting at `start`; nil when it runs past the buffer before the end of the
    /// file (nothing is changed then, so the scan can start again after a refill).
    private func scan(_ bytes: UnsafeBufferPointer<UInt8>) throws(IngestError) -> Scan? {
        let end = bytes.count
        // At the end of a segment's bytes a record may go on in the next one: as if more were to come.
        let eof = atEndOfFile && !endsMidFile
        // Locals: going through the properties checked exclusive access on every field.
        var fields = self.fields
        var count = 0
        var quoted = false
        defer { self.fields = fields; fieldCount = count }
        func append(_ field: CSVField) {
            if count == fields.count { fields = Self.doubled(fields) }
            fields[count] = field
            count += 1
        }
        var p = start
        var lines = 0                 // line feeds so far in this record
        var lineStart = start         // first byte of the current line within the record
        var problem: String?
        var nonASCII = false
        func columnAt(_ position: Int) -> Int {
            var count = lineStart == start ? column : 1
            for i in lineStart..<position where bytes[i] & 0xC0 != 0x80 { count += 1 }
            return count
        }
        while true {
            let fieldStart = p
            if p < end && bytes[p] == UInt8(ascii: "\"") {
                let quote = (line: line + lines, column: columnAt(p))
                p += 1
                while true {
                    guard p < end else {
                        if !eof { return nil }   // more to read
                        try validateUTF8(bytes, from: start, to: end)
                        throw IngestError.malformed(SourceLocation(file: path, line: quote.line, column: quote.column), "quoted field is never closed")
                    }
                    let byte = bytes[p]
                    if byte == UInt8(ascii: "\"") {
                        if p + 1 == end && !eof { return nil }
                        if p + 1 < end && bytes[p + 1] == UInt8(ascii: "\"") { p += 2; continue }
                        p += 1
                        break
                    }
                    if byte == 0x0A { lines += 1; lineStart = p + 1 }
                    nonASCII = nonASCII || byte >= 0x80 || byte == 0
                    p += 1
                }
                while p < end {
                    let byte = bytes[p]
                    if byte == UInt8(ascii: ",") || byte == 0x0A || byte == 0x0D { break }
                    if problem == nil { problem = "unexpected text after a closing quote at column \(columnAt(p))" }
                    nonASCII = nonASCII || byte >= 0x80 || byte == 0
                    p += 1
                }
                if p == end && !eof { return nil }
                append((fieldStart, p, true))
                quoted = true
            } else {
                while p < end {
                    let byte = bytes[p]
                    // Every byte that needs a look (comma, line break, quote, non-ASCII) is ≤ 0x2C or ≥ 0x80.
                    if byte > 0x2C && byte < 0x80 { p += 1; continue }
                    if byte == UInt8(ascii: ",") || byte == 0x0A || byte == 0x0D { break }
                    // A NUL byte is checked with the UTF-8 (it is never text: see validateUTF8).
                    if byte >= 0x80 || byte == 0 { nonASCII = true } else if byte == UInt8(ascii: "\"") && problem == nil {
                        problem = "stray quote in an unquoted field at column \(columnAt(p))"
                    }
                    p += 1
                }
                if p == end && !eof { return nil }
                append((fieldStart, p, false))
            }
            // The field's terminator.
            var endsLine = false
            if p < end {
                let byte = bytes[p]
                if byte == UInt8(ascii: ",") { p += 1; continue }
                if byte == 0x0D {
                    if p + 1 == end && !eof { return nil }
                    // A carriage return alone (old Mac files) would end records without ever
                    // moving to the next line: every message would say line 1.
                    guard p + 1 < end && bytes[p + 1] == 0x0A else {
                        throw IngestError.malformed(SourceLocation(file: path, line: line + lines, column: columnAt(p)),
                                                    "a carriage return without a line feed: lines must end in LF or CRLF")
                    }
                    p += 1
                }
                if p < end && bytes[p] == 0x0A { p += 1; lines += 1; endsLine = true }
            }
            if nonASCII { try validateUTF8(bytes, from: start, to: p) }
            let scan = Scan(line: line, end: p, problem: problem, quoted: quoted)
            column = endsLine ? 1 : columnAt(p)
            line += lines
            return scan
        }
    }

    /// Checks UTF-8 well-formedness (no overlongs, no surrogates) of `bytes[from..<to]`, a record
    /// starting at the current line and column; throws at the first bad sequence, or at a NUL
    /// byte: valid UTF-8, but never text (UTF-16 without a byte-order mark has one in every
    /// ASCII character), and it would otherwise reach ids and reports.
    private func validateUTF8(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) throws(IngestError) {
        var line = self.line, column = self.column
        var i = from
        while i < to {
            let byte = bytes[i]
            let (length, second): (Int, ClosedRange<UInt8>)
            switch byte {
            case 0x0A: line += 1; column = 1; i += 1; continue
            case 0x00: throw IngestError.malformed(SourceLocation(file: path, line: line, column: column), TextDecoding.nulByte)
            case 0x01...0x7F: column += 1; i += 1; continue
            case 0xC2...0xDF: (length, second) = (2, 0x80...0xBF)
            case 0xE0: (length, second) = (3, 0xA0...0xBF)
            case 0xED: (length, second) = (3, 0x80...0x9F)
            case 0xE1...0xEF: (length, second) = (3, 0x80...0xBF)
            case 0xF0: (length, second) = (4, 0x90...0xBF)
            case 0xF1...0xF3: (length, second) = (4, 0x80...0xBF)
            case 0xF4: (length, second) = (4, 0x80...0x8F)
            default: throw invalidUTF8(line, column)
            }
            for k in 1..<length {
                guard i + k < to, (k == 1 ? second : 0x80...0xBF).contains(bytes[i + k]) else { throw invalidUTF8(line, column) }
            }
            column += 1
            i += length
        }
    }

    private func invalidUTF8(_ line: Int, _ column: Int) -> IngestError {
        .malformed(SourceLocation(file: path, line: line, column: column),
                   "invalid UTF-8 (the file must be UTF-8, or UTF-16 with a byte-order mark)")
    }
}
