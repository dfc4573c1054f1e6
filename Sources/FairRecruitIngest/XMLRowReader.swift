// Internal: libxml2's headers bring their own ICU declarations, which clash with Foundation's in any
// module that sees both; no libxml2 type is part of this module's interface.
internal import CLibXML2
import FairRecruitCore

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

    /// Calls `body` with every row in order (lent by pointer), each first passed through a
    /// function `checking` makes, and the number of lines to add to the row's line. A large fee-record file is parsed
    /// and checked on several cores (``ParallelReading``): segments start at a line whose first
    /// element is a `<fee>`, and each is parsed inside a `<feeRecords>` of its own; `body` runs on
    /// the calling thread. Then `expecting` is told, once, after the first segment, how many rows
    /// the file holds at its rate.
    func readAll<Row>(segmentSize: Int = ParallelReading.segmentSize, checking: @escaping @Sendable () -> (RawRow) -> Row,
                      ahead: (UnsafePointer<Row>) -> Void = { _ in }, expecting: (Int) -> Void = { _ in },
                      _ body: (UnsafePointer<Row>, Int) -> Void) throws(IngestError) {
        guard kind == .feeRecords, ParallelReading.worthIt(fileSize: ByteStream.size(of: path), segmentSize: segmentSize) else {
            let check = checking()
            return try read { withUnsafePointer(to: check($0)) { body($0, 0) } }
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
            let result: Result<Void, IngestError> = withoutActuallyEscaping({ (row: RawRow) in withUnsafePointer(to: check(row)) { body($0, offset) } }) { handle in
                parser.state.handle = handle
                let rest = RemainingSegments(rest: [], pipeline: pipeline)
                defer { parser.state.handle = { _ in } }   // the parser outlives `body`
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
    private static func parse<Row>(_ segment: Segment, into rows: [Row], reader: XMLRowReader, check: @escaping (RawRow) -> Row) -> RowBatch<Row> {
        let batch = RowBatch<Row>(segment: segment, rows: rows)
        batch.lines = segment.lineFeeds
        let parser: SAXParser
        do {
            parser = try SAXParser(reader: reader) { batch.rows.append(check($0)) }
        } catch {
            batch.failure = error
            return batch
        }
        if segment.index > 0 { parser.feed(Array("<feeRecords>\n".utf8)) }
        parser.feed(segment.bytes)
        if segment.isLast { parser.finish() }
        batch.failure = parser.failure
        if batch.failure == nil && !segment.isLast && !parser.endsBetweenRows(firstSegment: segment.index == 0) {
            parser.state.handle = { _ in }
            batch.parser = parser
        }
        return batch
    }

    /// A libxml2 push parser with this reader's SAX callbacks and safety options.
    final class SAXParser {
        let state: ParseState
        private let unmanaged: Unmanaged<ParseState>
        private let context: xmlParserCtxtPtr

        init(reader: XMLRowReader, handle: @escaping (RawRow) -> Void) throws(IngestError) {
            state = ParseState(reader: reader, handle: handle)
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
            let retained = Unmanaged.passRetained(state)
            unmanaged = retained
            guard let context = reader.path.withCString({ xmlCreatePushParserCtxt(&handler, retained.toOpaque(), nil, 0, $0) }) else {
                retained.release()
                throw IngestError.malformed(SourceLocation(file: reader.path, line: 1), "cannot start the XML parser")
            }
            self.context = context
            state.context = context
            xmlCtxtUseOptions(context, Int32(XML_PARSE_NONET.rawValue | XML_PARSE_IGNORE_ENC.rawValue | XML_PARSE_NOCDATA.rawValue))
        }

        deinit {
            xmlFreeParserCtxt(context)
            unmanaged.release()
        }

        var failure: IngestError? { state.failure }

        func feed(_ bytes: [UInt8]) {
            guard state.failure == nil, !bytes.isEmpty else { return }
            _ = bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    xmlParseChunk(context, $0, Int32(buffer.count), 0)
                }
            }
        }

        /// Tells the parser the document ends here (it then checks that every element is closed).
        func finish() {
            if state.failure == nil { xmlParseChunk(context, nil, 0, 1) }
        }

        /// Whether the parser stands between two `<fee>` rows of a `<feeRecords>` written plainly
        /// (the first segment's root as the next segments' is made up), with only white space
        /// not parsed yet: then the next segment, parsed on its own, reads as this one would go on.
        func endsBetweenRows(firstSegment: Bool) -> Bool {
            guard state.depth == 1, !state.inRow, !firstSegment || state.plainRoot, let input = context.pointee.input else { return false }
            guard var p = input.pointee.cur, let end = input.pointee.end else { return true }
            while p < end {
                guard p.pointee == 0x20 || p.pointee == 0x09 || p.pointee == 0x0A || p.pointee == 0x0D else { return false }
                p += 1
            }
            return true
        }
    }

    /// Mutable parse state, reached from libxml2's C callbacks through the user-data pointer.
    /// The values of the row being built, one after another. libxml2's attribute values live only
    /// as long as their callback, so they are copied; into memory kept for the whole parse, as
    /// `Array.append(contentsOf:)` checked uniqueness and capacity per value (callgrind: a twelfth
    /// of reading an XML row).
    struct RowBytes {
        private var storage = UnsafeMutableBufferPointer<UInt8>(start: nil, count: 0)   // allocated on first use
        private var count = 0

        /// Appends `value`; its range in the row's bytes.
        mutating func append(_ value: UnsafeBufferPointer<UInt8>) -> Range<Int> {
            if count + value.count > storage.count {
                let grown = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(2 * storage.count, count + value.count, 1024))
                if count > 0 { _ = grown.initialize(fromContentsOf: storage[..<count]) }
                storage.deallocate()
                storage = grown
            }
            if let base = value.baseAddress { (storage.baseAddress! + count).initialize(from: base, count: value.count) }
            count += value.count
            return (count - value.count)..<count
        }

        mutating func removeAll() { count = 0 }

        func withBytes<T>(_ body: (UnsafeBufferPointer<UInt8>) -> T) -> T { body(UnsafeBufferPointer(rebasing: storage[..<count])) }

        /// Frees the memory; the owner calls it once, when it is done.
        func free() { storage.deallocate() }   // nothing when never allocated
    }

    final class ParseState {
        let reader: XMLRowReader
        var handle: (RawRow) -> Void
        var context: xmlParserCtxtPtr?
        /// The root element is `<feeRecords>` exactly, without attributes or namespaces.
        var plainRoot = false
        var failure: IngestError?
        var depth = 0
        /// Element names from the root down, lowercased.
        var stack: [String] = []
        /// Lowercased names by libxml2's name pointer: libxml2 keeps one copy of each name per
        /// parse, so a name is lowercased once, not once per row.
        var names: [UnsafeRawPointer: String] = [:]
        /// Known column by name pointer (-1: not a column).
        var columns: [UnsafeRawPointer: Int] = [:]
        /// The name and column of the attribute at each position of the last `<fee>`.
        var attributeColumns: [(name: UnsafeRawPointer?, column: Int)] = []
        let columnByName: [String: Int]
        // The row being built: its values' ranges in `rowBytes`, per known column.
        var inRow = false
        var values: [Range<Int>?]
        var pointers: [UnsafeBufferPointer<UInt8>?]
        var rowBytes = RowBytes()
        var rowLine = 0
        var rowProblem: String?
        var field: Int?             // the known column a child element fills (-1: an unknown one)
        // `<selfAssessment>` attributes in force.
        var agency: String?

        init(reader: XMLRowReader, handle: @escaping (RawRow) -> Void) {
            self.reader = reader; self.handle = handle
            values = Array(repeating: nil, count: reader.known.count)
            pointers = Array(repeating: nil, count: reader.known.count)
            columnByName = Dictionary(reader.known.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        }

        deinit { rowBytes.free() }

        var line: Int { context.map { Int(xmlSAX2GetLineNumber($0)) } ?? 1 }
        var column: Int { context.map { Int(xmlSAX2GetColumnNumber($0)) } ?? 1 }

        func fail(_ message: String, line: Int? = nil, column: Int? = nil) {
            guard failure == nil else { return }
            failure = .malformed(SourceLocation(file: reader.path, line: line ?? self.line, column: column ?? self.column), message)
            if let context { xmlStopParser(context) }
        }

        func name(_ pointer: UnsafePointer<xmlChar>?) -> String {
            guard let pointer else { return "" }
            if let known = names[UnsafeRawPointer(pointer)] { return known }
            let name = lowercasedName(pointer)
            names[UnsafeRawPointer(pointer)] = name
            return name
        }

        /// A self-assessment's fields go by the contract's names (`question` is `question_id`).
        func renamed(_ name: String) -> String {
            guard reader.kind == .selfAssessments else { return name }
            return name == "question" ? "question_id" : name == "value" ? "answer" : name
        }

        func column(_ pointer: UnsafePointer<xmlChar>?) -> Int {
            guard let pointer else { return -1 }
            if let known = columns[UnsafeRawPointer(pointer)] { return known }
            let column = columnByName[renamed(name(pointer))] ?? -1
            columns[UnsafeRawPointer(pointer)] = column
            return column
        }

        /// Sets a field; unknown fields (names, passport numbers) are dropped before their values are copied.
        func setField(_ column: Int, _ value: UnsafeBufferPointer<UInt8>) {
            guard inRow, column >= 0 else { return }
            if values[column] != nil {
                rowProblem = rowProblem ?? "field '\(reader.known[column])' is given twice"
            }
            values[column] = rowBytes.append(value)
        }

        func startRow() {
            inRow = true
            values.withUnsafeMutableBufferPointer { $0.update(repeating: nil) }
            rowBytes.removeAll()
            rowLine = line
            rowProblem = nil
        }

        /// A `<fee>`'s attributes as fields. The row's arrays are taken out of the object for the
        /// loop: every use of a class's stored property is checked for exclusive access at run
        /// time, which made this the most expensive part of reading XML (callgrind: 490
        /// instructions per attribute before, about a tenth after).
        func setAttributes(_ count: Int32, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
            guard let attributes, count > 0, inRow else { return }
            var bytes = RowBytes(), values: [Range<Int>?] = [], cache: [(name: UnsafeRawPointer?, column: Int)] = []
            swap(&bytes, &rowBytes); swap(&values, &self.values); swap(&cache, &attributeColumns)
            defer { swap(&bytes, &rowBytes); swap(&values, &self.values); swap(&cache, &attributeColumns) }
            // Five pointers per attribute: local name, prefix, URI, value start, value end.
            for i in 0..<Int(count) {
                let base = i * 5
                guard let start = attributes[base + 3], let end = attributes[base + 4] else { continue }
                let name = attributes[base].map(UnsafeRawPointer.init)
                // Rows usually give their attributes in the same order: the column is cached by position.
                let column: Int
                if i < cache.count && cache[i].name == name {
                    column = cache[i].column
                } else {
                    column = self.column(attributes[base])
                    if i >= cache.count { cache += Array(repeating: (nil, -1), count: i + 1 - cache.count) }
                    cache[i] = (name, column)
                }
                guard column >= 0 else { continue }   // not a column: names, passport numbers are never copied
                if values[column] != nil { rowProblem = rowProblem ?? "field '\(reader.known[column])' is given twice" }
                values[column] = bytes.append(UnsafeBufferPointer(start: start, count: end - start))
            }
        }

        func finishRow() {
            guard inRow else { return }
            inRow = false
            var pointers: [UnsafeBufferPointer<UInt8>?] = []
            swap(&pointers, &self.pointers)
            defer { swap(&pointers, &self.pointers) }
            let values = self.values
            rowBytes.withBytes { bytes in
                for (i, range) in values.enumerated() { pointers[i] = range.flatMap { RawRow.value(UnsafeBufferPointer(rebasing: bytes[$0])) } }
                pointers.withUnsafeBufferPointer { pointers in
                    handle(RawRow(file: reader.path, line: rowLine, problem: rowProblem, values: pointers))
                }
            }
        }

        func start(_ namePointer: UnsafePointer<xmlChar>?, _ attributeCount: Int32, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
                   plain: Bool) {
            let name = name(namePointer)
            depth += 1
            stack.append(name)
            if depth > XMLRowReader.maxDepth { return fail("elements are nested deeper than \(XMLRowReader.maxDepth) levels") }
            switch reader.kind {
            case .feeRecords:
                switch depth {
                case 1:
                    if name != "feerecords" { fail("expected a <feeRecords> document, found <\(name)>") }
                    plainRoot = plain && namePointer.map { String(cString: $0) } == "feeRecords"
                case 2:
                    startRow()
                    if name == "fee" { setAttributes(attributeCount, attributes) } else { rowProblem = "unexpected element <\(name)>, expected <fee>" }
                case 3:
                    field = column(namePointer)
                    text.removeAll(keepingCapacity: true)
                default:
                    rowProblem = rowProblem ?? "unexpected element <\(name)> inside <\(stack[2])>"
                }
            case .selfAssessments:
                let base = stack.first == "selfassessments" ? 1 : 0   // levels taken by the optional wrapper
                if depth == 1 && name != "selfassessments" && name != "selfassessment" {
                    return fail("expected a <selfAssessment> or <selfAssessments> document, found <\(name)>")
                }
                switch depth - base {
                case 1:
                    if name != "selfassessment" { return fail("expected <selfAssessment>, found <\(name)>") }
                    var attributeValues: [String: String] = [:]
                    if let attributes, attributeCount > 0 {
                        for i in 0..<Int(attributeCount) {
                            guard let start = attributes[i * 5 + 3], let end = attributes[i * 5 + 4] else { continue }
                            let key = self.name(attributes[i * 5])
                            if attributeValues[key] == nil {
                                attributeValues[key] = String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
                            }
                        }
                    }
                    agency = attributeValues["agency"] ?? attributeValues["agency_id"]
                    if let agency, let name = attributeValues["name"], !name.isEmpty { reader.agencyNames[agency] = name }
                case 2:
                    startRow()
                    if let agency, let column = columnByName["agency_id"] {
                        var copy = agency
                        copy.withUTF8 { setField(column, $0) }
                    }
                    setAttributes(attributeCount, attributes)
                    if name != "answer" { rowProblem = "unexpected element <\(name)>, expected <answer>" }
                case 3:
                    field = column(namePointer)
                    text.removeAll(keepingCapacity: true)
                default:
                    rowProblem = rowProblem ?? "unexpected element <\(name)> inside <answer>"
                }
            }
        }

        var text: [UInt8] = []

        func end() {
            let base = reader.kind == .selfAssessments && stack.first == "selfassessments" ? 1 : 0
            switch depth - base {
            case 2: finishRow()
            case 3:
                if let field { text.withUnsafeBufferPointer { setField(field, $0) } }
                field = nil
            case 1 where reader.kind == .selfAssessments: agency = nil
            default: break
            }
            depth -= 1
            stack.removeLast()
        }
    }
}

private func state(_ pointer: UnsafeMutableRawPointer?) -> XMLRowReader.ParseState {
    Unmanaged<XMLRowReader.ParseState>.fromOpaque(pointer!).takeUnretainedValue()
}

/// Element and attribute names are case-insensitive (ASCII).
private func lowercasedName(_ pointer: UnsafePointer<xmlChar>?) -> String {
    guard let pointer else { return "" }
    let name = String(cString: pointer)
    return name.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) ? name.lowercased() : name
}

private let onStartElement: startElementNsSAX2Func = { context, localName, prefix, _, namespaceCount, _, attributeCount, _, attributes in
    state(context).start(localName, attributeCount, attributes, plain: prefix == nil && namespaceCount == 0 && attributeCount == 0)
}

private let onEndElement: endElementNsSAX2Func = { context, _, _, _ in state(context).end() }

private let onCharacters: charactersSAXFunc = { context, characters, length in
    let s = state(context)
    guard let field = s.field, field >= 0, let characters else { return }
    s.text.append(contentsOf: UnsafeBufferPointer(start: characters, count: Int(length)))
}

private let onDocumentType: internalSubsetSAXFunc = { context, _, _, _ in
    state(context).fail("document type declarations (DOCTYPE) are not allowed: entities and DTDs are refused for safety")
}

private let onEntityDeclaration: entityDeclSAXFunc = { context, _, _, _, _, _ in
    state(context).fail("entity declarations are not allowed")
}

private let onGetEntity: getEntitySAXFunc = { _, _ in nil }

private let onReference: referenceSAXFunc = { context, _ in
    state(context).fail("entity references are not allowed")
}

private let onError: xmlStructuredErrorFunc = { context, error in
    guard let context, let error = error?.pointee else { return }
    guard error.level == XML_ERR_FATAL || error.level == XML_ERR_ERROR else { return }
    var message = error.message.map { String(cString: $0) } ?? "XML error"
    while message.last == "\n" || message.last == " " { message.removeLast() }
    if let first = message.first { message = first.lowercased() + message.dropFirst() }
    state(context).fail("invalid XML: \(message)", line: Int(error.line), column: Int(max(error.int2, 1)))
}
