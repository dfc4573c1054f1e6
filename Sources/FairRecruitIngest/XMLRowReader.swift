// Internal: libxml2's headers bring their own ICU declarations, which clash with Foundation's in any
// module that sees both; no libxml2 type is part of this module's interface.
internal import CLibXML2
import FairRecruitCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads fee records and self-assessments from XML (§3.4) with libxml2's SAX2 push parser, so a
/// file of any size streams through in constant memory.
///
/// Safety (§8): no network (`XML_PARSE_NONET`), no external entities or DTD loading (neither
/// `XML_PARSE_NOENT` nor `XML_PARSE_DTDLOAD`), and any document type declaration is refused
/// outright — a document that declares entities never gets as far as expanding them. Nesting is
/// bounded. The input reaches libxml2 as UTF-8 only (``ByteStream`` decodes byte-order marks and
/// UTF-16; `XML_PARSE_IGNORE_ENC` stops a declared encoding such as Latin-1 from overriding that),
/// so a byte that is not UTF-8 stops the file with its line, as for CSV.
///
/// Without `XML_PARSE_NOENT` libxml2 hands on every ampersand in an attribute value (written
/// `&amp;`, `&#38;` or `&#x26;`) as the five bytes `&#38;`; the reader makes each `&` again (see
/// ``unescapingAmpersands(_:into:)``). Text content comes decoded.
///
/// SAX rather than the `xmlTextReader` API: the reader's per-node calls cost more than the whole
/// audit may (see README, "Performance").
public final class XMLRowReader {
    /// What the document holds, and how its elements map to rows.
    public enum Kind: Sendable {
        /// `<feeRecords>` of `<fee>`: every attribute or child element is a column.
        case feeRecords
        /// `<selfAssessment agency="" name="">` of `<answer question="" value="">` with optional
        /// `<evidence>` and `<comment>`, possibly wrapped in `<selfAssessments>`.
        case selfAssessments
    }

    /// Deeper than this, a document is refused: real inputs are four levels deep.
    public static let maxDepth = 16

    let path: String
    let kind: Kind
    let known: [String]
    /// Agency names found in `<selfAssessment name="…">`, by agency id.
    public private(set) var agencyNames: [String: String] = [:]

    let progress: ReadProgress?

    public init(path: String, kind: Kind, known: [String], progress: ReadProgress? = nil) {
        self.path = path; self.kind = kind; self.known = known; self.progress = progress
    }

    /// Streams the file, calling `handle` with each row in document order.
    public func read(_ handle: (RawRow) -> Void) throws(IngestError) {
        let result: Result<Void, IngestError> = withoutActuallyEscaping(handle) { handle in
            Result { () throws(IngestError) in
                let stream = try ByteStream(path: path)
                stream.progress = progress
                let parser = try SAXParser(reader: self, handle: handle)
                var fed = 0
                while parser.failure == nil, let chunk = try stream.next() {
                    fed += chunk.count
                    parser.feed(chunk)
                }
                if fed == 0 { throw IngestError.malformed(SourceLocation(file: path, line: 1), "the file is empty") }
                parser.finish()
                if let failure = parser.failure { throw failure }
            }
        }
        try result.get()
    }

    /// Calls `body` with every row in order (lent by pointer), each first made by a function
    /// `checking` makes, and the number of lines to add to the row's line. A large fee-record file is parsed
    /// and checked on several cores (``ParallelReading``): segments start at a line whose first
    /// element is a `<fee>`, and each is parsed inside a `<feeRecords>` of its own; `body` runs on
    /// the calling thread. Then `expecting` is told, once, after the first segment, how many rows
    /// the file holds at its rate.
    func readAll<Row>(segmentSize: Int = ParallelReading.segmentSize, checking: @escaping @Sendable () -> RowCheck<Row>,
                      ahead: (UnsafePointer<Row>) -> Void = { _ in }, expecting: (Int) -> Void = { _ in },
                      _ body: (UnsafePointer<Row>, Int) -> Void) throws(IngestError) {
        guard kind == .feeRecords, ParallelReading.worthIt(fileSize: ByteStream.size(of: path), segmentSize: segmentSize) else {
            let check = checking()
            return try read { withChecked($0, check) { body($0, 0) } }
        }
        let (path, known) = (self.path, self.known)
        xmlInitParser()   // once, before threads use libxml2
        let stream = try ByteStream(path: path)
        stream.progress = progress
        let segmenter = Segmenter(stream: stream, leftover: [], segmentSize: segmentSize, isCut: Self.startsWithFee)
        let pipeline = SegmentPipeline<Row>(segmenter) { segment, rows in
            Self.parse(segment, into: rows, reader: XMLRowReader(path: path, kind: .feeRecords, known: known), check: checking())
        }
        defer { pipeline.close() }
        var linesBefore = 0
        while let batch = try pipeline.next() {
            // A segment after the first is parsed after a line of its own: `<feeRecords>`.
            let offset = linesBefore - (batch.segment!.index > 0 ? 1 : 0)
            batch.handOver(ahead: ahead) { body($0, offset) }
            if batch.segment?.index == 0 { expecting(batch.estimatedRows(inFileOf: ByteStream.size(of: path))) }
            if let failure = batch.failure { throw failure.shifted(by: offset) }
            guard let parser = batch.parser as? SAXParser else { linesBefore += batch.lines; continue }
            // The segment did not end between rows: its parser goes on with the rest of the file.
            pipeline.stopParsing()
            let check = checking()
            let result: Result<Void, IngestError> = withoutActuallyEscaping({ (row: RawRow) in withChecked(row, check) { body($0, offset) } }) { handle in
                parser.state.pointee.handle = handle
                let rest = RemainingSegments(rest: [], pipeline: pipeline)
                defer { parser.state.pointee.handle = { _ in } }   // the parser outlives `body`
                return Result { () throws(IngestError) in
                    while parser.failure == nil, let bytes = try rest.next() { parser.feed(bytes) }
                    parser.finish()
                }
            }
            try result.get()
            if let failure = parser.failure { throw failure.shifted(by: offset) }
            return
        }
    }

    /// A cut may be made before a line whose first element is a `<fee>` (any case).
    private static func startsWithFee(_ bytes: UnsafeBufferPointer<UInt8>, _ position: Int) -> Bool {
        var i = position
        while i < bytes.count && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 }
        guard i + 4 < bytes.count, bytes[i] == UInt8(ascii: "<") else { return false }
        let name = (bytes[i + 1] | 0x20, bytes[i + 2] | 0x20, bytes[i + 3] | 0x20)
        let after = bytes[i + 4]
        return name == (UInt8(ascii: "f"), UInt8(ascii: "e"), UInt8(ascii: "e"))
            && (after == 0x20 || after == 0x09 || after == 0x0A || after == 0x0D || after == UInt8(ascii: "/") || after == UInt8(ascii: ">"))
    }

    /// The rows of one segment (lines counted from its start, plus one after the first segment).
    private static func parse<Row>(_ segment: Segment, into rows: RowBuffer<Row>, reader: XMLRowReader, check: @escaping RowCheck<Row>) -> RowBatch<Row> {
        let batch = RowBatch<Row>(segment: segment, rows: rows)
        batch.lines = segment.lineFeeds
        let parser: SAXParser
        do throws(IngestError) {
            parser = try SAXParser(reader: reader) { row in rows.append { check(row, $0) } }
        } catch {
            batch.failure = error
            return batch
        }
        defer { parser.state.pointee.handle = { _ in } }   // the parser may outlive `rows`
        if segment.index > 0 { parser.feed(Array("<feeRecords>\n".utf8)) }
        parser.feed(segment.bytes)
        if segment.isLast { parser.finish() }
        batch.failure = parser.failure
        if batch.failure == nil && !segment.isLast && !parser.endsBetweenRows(firstSegment: segment.index == 0) {
            batch.parser = parser
        }
        return batch
    }

    /// A libxml2 push parser with this reader's SAX callbacks and safety options.
    final class SAXParser {
        /// What the callbacks work on, reached through libxml2's user-data pointer. A struct in
        /// memory of the parser's own rather than an object: every use of an object's stored
        /// property was checked for exclusive access at run time, and every callback retained and
        /// released the object (callgrind: the callbacks took 4,640 instructions per fee row
        /// besides checking it, 1,960 as a struct).
        let state: UnsafeMutablePointer<ParseState>
        private let context: xmlParserCtxtPtr

        init(reader: XMLRowReader, handle: @escaping (RawRow) -> Void) throws(IngestError) {
            state = .allocate(capacity: 1)
            state.initialize(to: ParseState(reader: reader, handle: handle))
            var handler = xmlSAXHandler()
            handler.initialized = UInt32(XML_SAX2_MAGIC)
            handler.startElementNs = onStartElement
            handler.endElementNs = onEndElement
            handler.characters = onCharacters
            handler.cdataBlock = onCharacters
            handler.internalSubset = onDocumentType
            handler.externalSubset = onDocumentType
            handler.entityDecl = onEntityDeclaration
            handler.getEntity = onGetEntity
            handler.reference = onReference
            handler.serror = onError
            handler.warning = nil
            guard let context = reader.path.withCString({ [state] in xmlCreatePushParserCtxt(&handler, state, nil, 0, $0) }) else {
                state.deinitialize(count: 1)
                state.deallocate()
                throw IngestError.malformed(SourceLocation(file: reader.path, line: 1), "cannot start the XML parser")
            }
            self.context = context
            state.pointee.context = context
            xmlCtxtUseOptions(context, Int32(XML_PARSE_NONET.rawValue | XML_PARSE_IGNORE_ENC.rawValue | XML_PARSE_NOCDATA.rawValue))
        }

        deinit {
            xmlFreeParserCtxt(context)
            state.deinitialize(count: 1)
            state.deallocate()
        }

        var failure: IngestError? { state.pointee.failure }

        func feed(_ bytes: [UInt8]) {
            guard failure == nil, !bytes.isEmpty else { return }
            _ = bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    xmlParseChunk(context, $0, Int32(buffer.count), 0)
                }
            }
        }

        /// Tells the parser the document ends here (it then checks that every element is closed).
        func finish() {
            guard failure == nil else { return }
            state.pointee.atEnd = true
            xmlParseChunk(context, nil, 0, 1)
        }

        /// Whether the parser stands between two `<fee>` rows of a `<feeRecords>` written plainly
        /// (the first segment's root as the next segments' is made up), with only white space
        /// not parsed yet: then the next segment, parsed on its own, reads as this one would go on.
        func endsBetweenRows(firstSegment: Bool) -> Bool {
            guard state.pointee.depth == 1, !state.pointee.inRow, !firstSegment || state.pointee.plainRoot,
                  let input = context.pointee.input else { return false }
            guard var p = input.pointee.cur, let end = input.pointee.end else { return true }
            while p < end {
                guard p.pointee == 0x20 || p.pointee == 0x09 || p.pointee == 0x0A || p.pointee == 0x0D else { return false }
                p += 1
            }
            return true
        }
    }

    /// The row being built: per known column, its value as ``RawRow`` holds it, trimmed as it is
    /// set, so a finished row is handed on as it stands. A value that must outlive its callback
    /// (libxml2's attribute values live only as long as theirs) is copied, into memory kept for
    /// the whole parse.
    struct RowValues: ~Copyable {
        /// Per known column: the value without surrounding whitespace, nil when blank or absent.
        let values: UnsafeMutableBufferPointer<UnsafeBufferPointer<UInt8>?>
        /// Per known column, the last row that gave it (blank or not), to find a field given twice.
        private let givenIn: UnsafeMutableBufferPointer<Int>
        private var row = 0
        /// The copies of this row's values, one after another.
        private var bytes: UnsafeMutableBufferPointer<UInt8>
        private var used = 0

        init(columns: Int) {
            values = .allocate(capacity: columns)
            values.initialize(repeating: nil)
            givenIn = .allocate(capacity: columns)
            givenIn.initialize(repeating: 0)
            bytes = .allocate(capacity: 1024)
        }

        deinit {
            values.deallocate()
            givenIn.deallocate()
            bytes.deallocate()
        }

        /// Starts the next row, with no values.
        mutating func clear() {
            row += 1
            used = 0
            values.update(repeating: nil)
        }

        /// Sets a column to `value`, or to a copy of it; false when the row gave that column
        /// already (the later value is kept).
        mutating func set(_ column: Int, _ value: UnsafeBufferPointer<UInt8>, copying: Bool) -> Bool {
            var kept = value
            if copying {
                if used + value.count > bytes.count { grow(toHold: used + value.count) }
                let copy = bytes.baseAddress! + used
                if let base = value.baseAddress { copy.initialize(from: base, count: value.count) }
                used += value.count
                kept = UnsafeBufferPointer(start: copy, count: value.count)
            }
            values[column] = RawRow.value(kept)
            defer { givenIn[column] = row }
            return givenIn[column] != row
        }

        /// ``set(_:_:copying:)`` to a copy of an attribute value made plain as
        /// ``unescapingAmpersands(_:into:)`` does (such a copy is never longer). Rare, so kept out
        /// of the common path.
        @inline(never)
        mutating func setUnescaped(_ column: Int, _ value: UnsafeBufferPointer<UInt8>) -> Bool {
            if used + value.count > bytes.count { grow(toHold: used + value.count) }
            let copy = bytes.baseAddress! + used
            let count = unescapingAmpersands(value, into: copy)
            used += count
            return set(column, UnsafeBufferPointer(start: copy, count: count), copying: false)
        }

        /// Moves the copies to memory that holds `count` bytes, and this row's values copied there with them.
        private mutating func grow(toHold count: Int) {
            let grown = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(2 * bytes.count, count))
            let (old, new) = (UnsafePointer(bytes.baseAddress!), grown.baseAddress!)
            new.initialize(from: old, count: used)
            for i in values.indices {
                guard let value = values[i], let start = value.baseAddress, start >= old && start < old + used else { continue }
                values[i] = UnsafeBufferPointer(start: new + (start - old), count: value.count)
            }
            bytes.deallocate()
            bytes = grown
        }
    }

    /// The parse state the SAX callbacks work on.
    struct ParseState: ~Copyable {
        let reader: XMLRowReader
        let kind: Kind
        /// The rows' file, held while they are lent (see ``RawRow``).
        let source: RowSource
        var handle: (RawRow) -> Void
        var context: xmlParserCtxtPtr?
        /// The root element is `<feeRecords>` exactly, without attributes or namespaces.
        var plainRoot = false
        var failure: IngestError?
        var depth = 0
        /// The whole file has been given to the parser: an error now, with an element still
        /// open, is the file ending early (libxml2 holds an unfinished tag back until then).
        var atEnd = false
        /// The `<selfAssessment>`s are wrapped in a `<selfAssessments>`.
        var wrapped = false
        /// Lowercased names by libxml2's name pointer: libxml2 keeps one copy of each name per
        /// parse, so a name is lowercased once, not once per row.
        var names: [UnsafeRawPointer: String] = [:]
        /// The rows' element (`<fee>`, `<answer>`) by its name pointer, once one is seen: a row is
        /// then recognised without looking its name up (callgrind: 320 instructions per row).
        var rowElement: UnsafePointer<xmlChar>?
        /// libxml2's line at the last text or end tag: a row's start tag begins on this line or later.
        var lineOfLastEvent = 0
        /// The element a row's field is in (three levels deep), for messages.
        var fieldElement: UnsafePointer<xmlChar>?
        /// Known column by name pointer (-1: not a column).
        var columns: [UnsafeRawPointer: Int] = [:]
        /// The name and column of the attribute at each position of the last row.
        var attributeColumns: [(name: UnsafeRawPointer?, column: Int)] = []
        let columnByName: [String: Int]
        // The row being built.
        var inRow = false
        var row: RowValues
        var rowLine = 0
        var rowProblem: String?
        var field: Int?             // the known column a child element fills (-1: an unknown one)
        var text: [UInt8] = []      // its text
        // `<selfAssessment>` attributes in force.
        var agency: String?

        init(reader: XMLRowReader, handle: @escaping (RawRow) -> Void) {
            self.reader = reader; self.kind = reader.kind; self.handle = handle; source = RowSource(path: reader.path)
            row = RowValues(columns: reader.known.count)
            columnByName = Dictionary(reader.known.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        }

        /// libxml2's line (`xmlSAX2GetLineNumber`'s, read without a call: it is read per row).
        var line: Int { context?.pointee.input.map { Int($0.pointee.line) } ?? 1 }
        var column: Int { context.map { Int(xmlSAX2GetColumnNumber($0)) } ?? 1 }

        mutating func fail(_ message: String, line: Int? = nil, column: Int? = nil) {
            guard failure == nil else { return }
            failure = .malformed(SourceLocation(file: reader.path, line: line ?? self.line, column: column ?? self.column), message)
            if let context { xmlStopParser(context) }
        }

        mutating func name(_ pointer: UnsafePointer<xmlChar>?) -> String {
            guard let pointer else { return "" }
            if let known = names[UnsafeRawPointer(pointer)] { return known }
            let name = lowercasedName(pointer)
            names[UnsafeRawPointer(pointer)] = name
            return name
        }

        /// Whether an element is the rows' element, named `expected` (lowercased).
        mutating func isRowElement(_ pointer: UnsafePointer<xmlChar>?, named expected: String) -> Bool {
            if let pointer, pointer == rowElement { return true }
            guard name(pointer) == expected else { return false }
            rowElement = pointer
            return true
        }

        /// A self-assessment's fields go by the contract's names (`question` is `question_id`).
        func renamed(_ name: String) -> String {
            guard kind == .selfAssessments else { return name }
            return name == "question" ? "question_id" : name == "value" ? "answer" : name
        }

        mutating func column(_ pointer: UnsafePointer<xmlChar>?) -> Int {
            guard let pointer else { return -1 }
            if let known = columns[UnsafeRawPointer(pointer)] { return known }
            let column = columnByName[renamed(name(pointer))] ?? -1
            columns[UnsafeRawPointer(pointer)] = column
            return column
        }

        /// Sets a field, to a copy of `value` unless it stays where it is until the row is handed
        /// on, or to a copy made plain with `unescaping` (an attribute value with an ampersand);
        /// unknown fields (names, passport numbers) are dropped before their values are copied.
        mutating func setField(_ column: Int, _ value: UnsafeBufferPointer<UInt8>, copying: Bool = true, unescaping: Bool = false) {
            guard inRow, column >= 0 else { return }
            if !(unescaping ? row.setUnescaped(column, value) : row.set(column, value, copying: copying)) {
                rowProblem = rowProblem ?? "field '\(reader.known[column])' is given twice"
            }
        }

        mutating func startRow() {
            inRow = true
            row.clear()
            // libxml2 is at the end of the start tag: a tag written over several lines is cited
            // at its first, where `<fee` is. Only a tag ending on a later line than the event
            // before it can span lines, so a row on one line costs no search.
            rowLine = line
            if rowLine > lineOfLastEvent { rowLine -= lineFeedsInStartTag() }
            rowProblem = nil
        }

        /// The line feeds between the start of the tag just parsed and libxml2's position (its
        /// end); 0 if its `<` is no longer in libxml2's buffer. Attribute values cannot hold a
        /// `<`, so the first one back is the tag's.
        func lineFeedsInStartTag() -> Int {
            guard let input = context?.pointee.input, let base = input.pointee.base, var p = input.pointee.cur else { return 0 }
            var count = 0
            while p > base {
                p -= 1
                if p.pointee == UInt8(ascii: "<") { return count }
                if p.pointee == 0x0A { count += 1 }
            }
            return 0
        }

        /// A row element's attributes as fields. When the element ends with its start tag
        /// (`<fee … />`, the usual row), the row is complete: it is handed on at once, its values
        /// used where libxml2 has them (callgrind: the callbacks took 1,970 instructions per row
        /// copying them, 1,490 without).
        mutating func setAttributes(_ count: Int32, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
            guard inRow else { return }
            let endsHere = startTagEndsElement
            defer { if endsHere { finishRow() } }
            guard let attributes, count > 0 else { return }
            let count = Int(count)
            if attributeColumns.count < count { attributeColumns += Array(repeating: (nil, -1), count: count - attributeColumns.count) }
            // libxml2 hands on a value as written, in its input buffer, unless it had to rewrite it
            // (an entity or character reference, or white space to normalise); only a rewritten
            // value, in memory of its own, can hold an ampersand. Comparing addresses spares a
            // search of every value (callgrind: a memchr per value cost 570 instructions a row).
            let input = context?.pointee.input
            let inputStart = input?.pointee.base, inputEnd = input?.pointee.end
            func asWritten(_ start: UnsafePointer<xmlChar>, _ end: UnsafePointer<xmlChar>) -> Bool {
                guard let inputStart, let inputEnd else { return false }
                return start >= inputStart && end <= inputEnd
            }
            // Five pointers per attribute: local name, prefix, URI, value start, value end.
            for i in 0..<count {
                let base = i * 5
                guard let name = attributes[base], let start = attributes[base + 3], let end = attributes[base + 4] else { continue }
                // Rows usually give their attributes in the same order: the column is cached by position.
                var (cachedName, column) = attributeColumns[i]
                if cachedName != UnsafeRawPointer(name) {
                    column = self.column(name)
                    attributeColumns[i] = (UnsafeRawPointer(name), column)
                }
                let value = UnsafeBufferPointer(start: start, count: end - start)
                // Only a value with an ampersand (libxml2's `&#38;`) is copied to be made plain.
                if column >= 0 && !asWritten(start, end) && memchr(start, 0x26, value.count) != nil {
                    setField(column, value, unescaping: true)
                } else {
                    setField(column, value, copying: !endsHere)
                }
            }
        }

        /// Whether the element just started ends with its start tag (`/>`): libxml2 calls the
        /// start callback with its input at the tag's end, and `/>` there ends the element.
        var startTagEndsElement: Bool {
            guard let input = context?.pointee.input, let cur = input.pointee.cur, let end = input.pointee.end, end - cur >= 2 else { return false }
            return cur[0] == UInt8(ascii: "/") && cur[1] == UInt8(ascii: ">")
        }

        mutating func finishRow() {
            guard inRow else { return }
            inRow = false
            if kind == .selfAssessments { takeEnclosingAgency() }
            handle(RawRow(source: source, line: rowLine, problem: rowProblem, values: UnsafeBufferPointer(row.values)))
        }

        /// An answer is the enclosing `<selfAssessment>`'s: its own `agency_id`, if any, must
        /// name the same agency (before, another agency's id there made that agency appear in a
        /// batch with the rejected row).
        mutating func takeEnclosingAgency() {
            guard var agency, let column = columnByName["agency_id"] else { return }
            if let given = row.values[column], !given.elementsEqual(agency.utf8) {
                rowProblem = rowProblem
                    ?? "agency_id '\(String(decoding: given, as: UTF8.self))' differs from the agency of its <selfAssessment>, '\(agency)'"
            }
            agency.withUTF8 { _ = row.set(column, $0, copying: true) }
        }

        mutating func start(_ namePointer: UnsafePointer<xmlChar>?, _ attributeCount: Int32, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
                            plain: Bool) {
            depth += 1
            if depth > XMLRowReader.maxDepth { return fail("elements are nested deeper than \(XMLRowReader.maxDepth) levels") }
            switch kind {
            case .feeRecords:
                switch depth {
                case 1:
                    let name = name(namePointer)
                    if name != "feerecords" { fail("expected a <feeRecords> document, found <\(name)>") }
                    plainRoot = plain && namePointer.map { String(cString: $0) } == "feeRecords"
                case 2:
                    startRow()
                    if isRowElement(namePointer, named: "fee") {
                        setAttributes(attributeCount, attributes)
                    } else {
                        rowProblem = "unexpected element <\(name(namePointer))>, expected <fee>"
                    }
                case 3:
                    startField(namePointer, attributeCount, row: "fee")
                default:
                    let (name, parent) = (name(namePointer), name(fieldElement))
                    rowProblem = rowProblem ?? "unexpected element <\(name)> inside <\(parent)>"
                }
            case .selfAssessments:
                if depth == 1 {
                    let name = name(namePointer)
                    wrapped = name == "selfassessments"   // levels taken by the optional wrapper
                    if !wrapped && name != "selfassessment" {
                        return fail("expected a <selfAssessment> or <selfAssessments> document, found <\(name)>")
                    }
                }
                switch depth - (wrapped ? 1 : 0) {
                case 1:
                    let name = name(namePointer)
                    if name != "selfassessment" { return fail("expected <selfAssessment>, found <\(name)>") }
                    var attributeValues: [String: String] = [:]
                    if let attributes, attributeCount > 0 {
                        for i in 0..<Int(attributeCount) {
                            guard let start = attributes[i * 5 + 3], let end = attributes[i * 5 + 4] else { continue }
                            let key = self.name(attributes[i * 5])
                            if attributeValues[key] == nil {
                                attributeValues[key] = attributeText(UnsafeBufferPointer(start: start, count: end - start))
                            }
                        }
                    }
                    agency = attributeValues["agency"] ?? attributeValues["agency_id"]
                    if let agency, let name = attributeValues["name"], !name.isEmpty { reader.agencyNames[agency] = name }
                case 2:
                    startRow()
                    if !isRowElement(namePointer, named: "answer") {
                        rowProblem = "unexpected element <\(name(namePointer))>, expected <answer>"
                    }
                    setAttributes(attributeCount, attributes)   // last: it may hand the row on
                case 3:
                    startField(namePointer, attributeCount, row: "answer")
                default:
                    let name = name(namePointer)
                    rowProblem = rowProblem ?? "unexpected element <\(name)> inside <answer>"
                }
            }
        }

        /// An element inside a row: a field, whose text is its value. Nothing inside a row is
        /// passed over unseen (§8): a row inside a row, or attributes on a field's element, make
        /// the row's problem (before, a `<fee>` inside a `<fee>` and `<amount currency="USD">`'s
        /// currency were dropped without a word).
        mutating func startField(_ namePointer: UnsafePointer<xmlChar>?, _ attributeCount: Int32, row: String) {
            fieldElement = namePointer
            field = column(namePointer)
            text.removeAll(keepingCapacity: true)
            if isRowElement(namePointer, named: row) {
                rowProblem = rowProblem ?? "a <\(row)> inside a <\(row)>: rows cannot be nested"
            } else if attributeCount > 0, let field, field >= 0 {
                rowProblem = rowProblem ?? "attributes on <\(name(namePointer))> are not read: the element's text is the field's value"
            }
        }

        mutating func characters(_ bytes: UnsafeBufferPointer<UInt8>) {
            lineOfLastEvent = line
            guard let field, field >= 0 else { return }
            text.append(contentsOf: bytes)
        }

        mutating func end() {
            switch depth - (wrapped ? 1 : 0) {
            case 2: finishRow()
            case 3:
                if let field {
                    let text = self.text
                    text.withUnsafeBufferPointer { setField(field, $0) }
                }
                field = nil
            case 1 where kind == .selfAssessments: agency = nil
            default: break
            }
            depth -= 1
            lineOfLastEvent = line
        }
    }
}

/// Copies an attribute value as libxml2 gives it to `target` (room for `value.count` bytes) with
/// each `&#38;` made `&`, and returns the bytes copied. Without `XML_PARSE_NOENT` libxml2 2.9's
/// attribute parser (`xmlParseAttValueComplex`) writes every ampersand the document escapes
/// (`&amp;`, `&#38;`, `&#x26;`) as `&#38;`, for a tree builder to parse again; any other `&` would
/// start a reference to a declared entity, and documents that declare entities are refused. So
/// each `&` here starts a `&#38;`, and `&amp;#38;` in the document, the text `&#38;`, arrives as
/// `&#38;#38;` and is made `&#38;`. (A `&` not followed by `#38;` is kept as it is.)
private func unescapingAmpersands(_ value: UnsafeBufferPointer<UInt8>, into target: UnsafeMutablePointer<UInt8>) -> Int {
    var (i, count) = (0, 0)
    while i < value.count {
        let byte = value[i]
        target[count] = byte
        count += 1
        if byte == UInt8(ascii: "&") && i + 4 < value.count && value[i + 1] == UInt8(ascii: "#")
            && value[i + 2] == UInt8(ascii: "3") && value[i + 3] == UInt8(ascii: "8") && value[i + 4] == UInt8(ascii: ";") {
            i += 5
        } else {
            i += 1
        }
    }
    return count
}

/// An attribute value as text, each ampersand made plain (see ``unescapingAmpersands(_:into:)``).
private func attributeText(_ value: UnsafeBufferPointer<UInt8>) -> String {
    guard let base = value.baseAddress, memchr(base, 0x26, value.count) != nil else { return String(decoding: value, as: UTF8.self) }
    return String(unsafeUninitializedCapacity: value.count) { buffer in unescapingAmpersands(value, into: buffer.baseAddress!) }
}

private func state(_ pointer: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<XMLRowReader.ParseState> {
    pointer!.assumingMemoryBound(to: XMLRowReader.ParseState.self)
}

/// Element and attribute names are case-insensitive (ASCII).
private func lowercasedName(_ pointer: UnsafePointer<xmlChar>?) -> String {
    guard let pointer else { return "" }
    let name = String(cString: pointer)
    return name.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) ? name.lowercased() : name
}

private let onStartElement: startElementNsSAX2Func = { context, localName, prefix, _, namespaceCount, _, attributeCount, _, attributes in
    state(context).pointee.start(localName, attributeCount, attributes, plain: prefix == nil && namespaceCount == 0 && attributeCount == 0)
}

private let onEndElement: endElementNsSAX2Func = { context, _, _, _ in state(context).pointee.end() }

private let onCharacters: charactersSAXFunc = { context, characters, length in
    guard let characters else { return }
    state(context).pointee.characters(UnsafeBufferPointer(start: characters, count: Int(length)))
}

private let onDocumentType: internalSubsetSAXFunc = { context, _, _, _ in
    state(context).pointee.fail("document type declarations (DOCTYPE) are not allowed: entities and DTDs are refused for safety")
}

private let onEntityDeclaration: entityDeclSAXFunc = { context, _, _, _, _, _ in
    state(context).pointee.fail("entity declarations are not allowed")
}

private let onGetEntity: getEntitySAXFunc = { _, _ in nil }

private let onReference: referenceSAXFunc = { context, _ in
    state(context).pointee.fail("entity references are not allowed")
}

private let onError: xmlStructuredErrorFunc = { context, error in
    guard let context, let error = error?.pointee else { return }
    guard error.level == XML_ERR_FATAL || error.level == XML_ERR_ERROR else { return }
    var message = error.message.map { String(cString: $0) } ?? "XML error"
    while message.last == "\n" || message.last == " " { message.removeLast() }
    // One line, as every message: libxml2 puts the bytes of an encoding error on a line of their own.
    message = message.split(separator: "\n").map { String($0).trimmed }.joined(separator: "; ")
    if let first = message.first { message = first.lowercased() + message.dropFirst() }
    let state = state(context)
    // libxml2 says "extra content at the end of the document" for a root element left open.
    let truncated = state.pointee.atEnd && state.pointee.depth > 0
    state.pointee.fail(truncated ? "invalid XML: the file ends before its document does (cut short?): \(message)" : "invalid XML: \(message)",
                       line: Int(error.line), column: Int(max(error.int2, 1)))
}
