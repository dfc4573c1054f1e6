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

    public init(path: String, kind: Kind, known: [String]) {
        self.path = path; self.kind = kind; self.known = known
    }

    /// Streams the file, calling `handle` with each row in document order.
    public func read(_ handle: (RawRow) -> Void) throws(IngestError) {
        let result: Result<Void, IngestError> = withoutActuallyEscaping(handle) { handle in
            Result { () throws(IngestError) in try parse(handle) }
        }
        try result.get()
    }

    private func parse(_ handle: @escaping (RawRow) -> Void) throws(IngestError) {
        let stream = try ByteStream(path: path)
        let state = ParseState(reader: self, handle: handle)
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
        let unmanaged = Unmanaged.passRetained(state)
        defer { unmanaged.release() }
        guard let context = path.withCString({ xmlCreatePushParserCtxt(&handler, unmanaged.toOpaque(), nil, 0, $0) }) else {
            throw IngestError.malformed(SourceLocation(file: path, line: 1), "cannot start the XML parser")
        }
        defer { xmlFreeParserCtxt(context) }
        state.context = context
        xmlCtxtUseOptions(context, Int32(XML_PARSE_NONET.rawValue | XML_PARSE_IGNORE_ENC.rawValue | XML_PARSE_NOCDATA.rawValue))
        var fed = 0
        while state.failure == nil, let chunk = try stream.next() {
            fed += chunk.count
            _ = chunk.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    xmlParseChunk(context, $0, Int32(buffer.count), 0)
                }
            }
        }
        if fed == 0 { throw IngestError.malformed(SourceLocation(file: path, line: 1), "the file is empty") }
        if state.failure == nil { xmlParseChunk(context, nil, 0, 1) }
        if let failure = state.failure { throw failure }
    }

    /// Mutable parse state, reached from libxml2's C callbacks through the user-data pointer.
    final class ParseState {
        let reader: XMLRowReader
        let handle: (RawRow) -> Void
        var context: xmlParserCtxtPtr?
        var failure: IngestError?
        var depth = 0
        /// Element names from the root down, lowercased.
        var stack: [String] = []
        /// Lowercased names by libxml2's name pointer: libxml2 keeps one copy of each name per
        /// parse, so a name is lowercased once, not once per row.
        var names: [UnsafeRawPointer: String] = [:]
        /// Known column by name pointer (-1: not a column).
        var columns: [UnsafeRawPointer: Int] = [:]
        let columnByName: [String: Int]
        // The row being built: its values' ranges in `rowBytes`, per known column.
        var inRow = false
        var values: [Range<Int>?]
        var pointers: [UnsafeBufferPointer<UInt8>?]
        var rowBytes: [UInt8] = []
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
            let from = rowBytes.count
            rowBytes.append(contentsOf: value)
            values[column] = from..<rowBytes.count
        }

        func startRow() {
            inRow = true
            for i in values.indices { values[i] = nil }
            rowBytes.removeAll(keepingCapacity: true)
            rowLine = line
            rowProblem = nil
        }

        func setAttributes(_ count: Int32, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
            guard let attributes, count > 0 else { return }
            // Five pointers per attribute: local name, prefix, URI, value start, value end.
            for i in 0..<Int(count) {
                let base = i * 5
                guard let start = attributes[base + 3], let end = attributes[base + 4] else { continue }
                setField(column(attributes[base]), UnsafeBufferPointer(start: start, count: end - start))
            }
        }

        func finishRow() {
            guard inRow else { return }
            inRow = false
            rowBytes.withUnsafeBufferPointer { bytes in
                for (i, range) in values.enumerated() { pointers[i] = range.map { UnsafeBufferPointer(rebasing: bytes[$0]) } }
                pointers.withUnsafeBufferPointer { pointers in
                    handle(RawRow(file: reader.path, line: rowLine, problem: rowProblem, values: pointers))
                }
            }
        }

        func start(_ namePointer: UnsafePointer<xmlChar>?, _ attributeCount: Int32, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
            let name = name(namePointer)
            depth += 1
            stack.append(name)
            if depth > XMLRowReader.maxDepth { return fail("elements are nested deeper than \(XMLRowReader.maxDepth) levels") }
            switch reader.kind {
            case .feeRecords:
                switch depth {
                case 1:
                    if name != "feerecords" { fail("expected a <feeRecords> document, found <\(name)>") }
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

private let onStartElement: startElementNsSAX2Func = { context, localName, _, _, _, _, attributeCount, _, attributes in
    state(context).start(localName, attributeCount, attributes)
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
