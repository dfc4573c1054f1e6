import FairRecruitCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes pretty-printed JSON straight into bytes, as the reports have always been laid out: two
/// spaces of indent per level, `"key": value`, empty containers as `[]` and `{}`, strings escaped
/// so that they can be embedded in HTML. The caller writes an object's keys in sorted order (debug
/// builds check it), so that a document with a million values needs no tree of them in memory.
///
/// The small objects of scalars that come by the thousand (a record cited, an evidence location)
/// are written on one line each, `{"file": "f.csv", "line": 7}` (``inlineObject(_:)``): laid out
/// like the rest, five lines of deep indent each, they made most of a large report's bytes. Record
/// citations, by far the most numerous, have a writer of their own (``recordCitation(file:line:recordID:)``).
///
/// Hand-written rather than Foundation's JSONEncoder: it writes another layout (`"key" : value`,
/// `/` escaped as `\/`, `<`, `>` and `&` not escaped, nil members left out), and it is slower:
/// measured on this machine, JSONEncoder (.prettyPrinted, .sortedKeys) took 1.6 s of CPU for 96 MB
/// of Codable reimbursements shaped like report.json's, where this writer takes about 0.12 s (perf
/// samples) for the 92 MB report.json of 1M fee records (no other JSON library is among the
/// dependencies).
struct JSONWriter: ~Copyable {
    private var output: OutputBuffer
    private var depth = 0
    /// The innermost open container already holds an element: the next one follows a comma.
    private var hasElement = false
    /// A key was just written: the value follows on its line.
    private var afterKey = false
    /// Inside an inline object: members follow one another on its line.
    private var inline = false
    /// The UTF-8 of the file of the last record cited, and the start of its citation line as
    /// written, `{"file": "<escaped file>", "line": ` (``recordCitation(file:line:recordID:)``).
    private var citedFile: [UInt8] = []
    private var citationStart: [UInt8] = []
    #if DEBUG
    /// The last key written in each open object, to check the order.
    private var lastKeys: [String?] = []
    #endif

    init(capacity: Int = 0) { output = OutputBuffer(capacity: capacity) }

    /// One document: the value `body` writes and a final line break.
    static func document(capacity: Int = 0, _ body: (inout JSONWriter) -> Void) -> [UInt8] {
        var writer = JSONWriter(capacity: capacity)
        body(&writer)
        writer.output.append(byte: UInt8(ascii: "\n"))
        return writer.output.finish()
    }

    // MARK: Containers

    mutating func object(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        members(body)
        close(UInt8(ascii: "}"))
    }

    /// An object on one line, `{"key": value, "key": value}`: only for a few scalar members.
    mutating func inlineObject(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        inline = true
        members(body)
        inline = false
        depth -= 1
        output.append(byte: UInt8(ascii: "}"))
        hasElement = true
    }

    /// A record cited, `{"file": "f.csv", "line": 7, "recordId": "R7"}`: the same bytes as
    /// ``inlineObject(_:)`` with the three fields, written as a few runs of bytes. A large batch
    /// cites millions of records, nearly all from the file cited just before: through
    /// `inlineObject` each line cost about 1,190 instructions (callgrind, 14% of a batch's audit
    /// phase), most of them in the generic layout and in escaping the same path again; written
    /// here, about 700 (the file's part escaped again only when the file changes). The keys are in
    /// sorted order; the object opens and closes here, so no key-order state is left behind.
    mutating func recordCitation(file: String, line: Int, recordID: String?) {
        assert(!inline, "an inline object holds scalars only")
        beforeValue()
        // Compared byte for byte: `==` also holds for canonically equivalent paths (an "é"
        // composed or not), which are written differently. No start yet: nothing cited.
        let sameFile = file.utf8.withContiguousStorageIfAvailable { bytes in
            citedFile.withUnsafeBufferPointer { cited in
                bytes.count == cited.count && (bytes.isEmpty || memcmp(bytes.baseAddress!, cited.baseAddress!, bytes.count) == 0)
            }
        }
        if sameFile != true || citationStart.isEmpty {
            var start = JSONWriter()
            start.output.append("{\"file\": ")
            start.escaped(file)
            start.output.append(", \"line\": ")
            citationStart = start.output.finish()
            citedFile = Array(file.utf8)
        }
        citationStart.withUnsafeBufferPointer { output.append(bytes: $0) }
        output.append(line)
        if let recordID {
            Self.recordIDStart.withUTF8Buffer { output.append(bytes: $0) }
            appendEscaped(recordID)
            Self.recordIDEnd.withUTF8Buffer { output.append(bytes: $0) }
        } else {
            Self.nullRecordID.withUTF8Buffer { output.append(bytes: $0) }
        }
        hasElement = true
    }

    private static let recordIDStart: StaticString = ", \"recordId\": \""
    private static let recordIDEnd: StaticString = "\"}"
    private static let nullRecordID: StaticString = ", \"recordId\": null}"

    /// An object's members, written by `body` (debug builds check that its keys come sorted).
    private mutating func members(_ body: (inout JSONWriter) -> Void) {
        #if DEBUG
        lastKeys.append(nil)
        #endif
        body(&self)
        #if DEBUG
        lastKeys.removeLast()
        #endif
    }

    mutating func array(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "["))
        body(&self)
        close(UInt8(ascii: "]"))
    }

    /// An array of strings.
    mutating func array(_ strings: [String]) { array { for s in strings { $0.string(s) } } }

    /// A member's key as written in the code: plain ASCII (debug builds check it), copied as it is.
    mutating func key(_ name: StaticString) {
        #if DEBUG
        name.withUTF8Buffer { assert(!$0.contains(where: Self.needsEscape), "a key to escape: \(name)") }
        checkOrder(name.description)
        #endif
        nextElement()
        output.append(byte: UInt8(ascii: "\""))
        name.withUTF8Buffer { output.append(bytes: $0) }
        output.append(byte: UInt8(ascii: "\""))
        output.append(byte: UInt8(ascii: ":"))
        output.append(byte: UInt8(ascii: " "))
        afterKey = true
    }

    /// A member's key taken from data (a ``JSONValue``'s), escaped like any string.
    mutating func key(_ name: String) {
        #if DEBUG
        checkOrder(name)
        #endif
        nextElement()
        escaped(name)
        output.append(byte: UInt8(ascii: ":"))
        output.append(byte: UInt8(ascii: " "))
        afterKey = true
    }

    #if DEBUG
    private mutating func checkOrder(_ name: String) {
        if let last = lastKeys[lastKeys.count - 1] { assert(last < name, "JSON keys out of order: \(last) before \(name)") }
        lastKeys[lastKeys.count - 1] = name
    }
    #endif

    // MARK: Values

    mutating func string(_ value: String) { beforeValue(); escaped(value) }
    mutating func string(_ value: String?) { if let value { string(value) } else { null() } }
    mutating func string(_ day: Day) {
        beforeValue()
        output.append(byte: UInt8(ascii: "\""))
        output.append(day)
        output.append(byte: UInt8(ascii: "\""))
    }
    mutating func number(_ value: Int) { beforeValue(); output.append(value) }
    mutating func number(_ value: ExactDecimal?) {
        guard let value else { null(); return }
        beforeValue()
        output.append(value)
    }
    /// A number's exact text, e.g. "12500.5".
    mutating func number(text: String) { beforeValue(); output.append(text) }
    mutating func bool(_ value: Bool) { beforeValue(); output.append(value ? "true" : "false") }
    mutating func null() { beforeValue(); output.append("null") }

    // MARK: Members: a key and its value

    mutating func field(_ key: StaticString, _ value: String) { self.key(key); string(value) }
    mutating func field(_ key: StaticString, _ value: String?) { self.key(key); string(value) }
    mutating func field(_ key: StaticString, _ value: Day) { self.key(key); string(value) }
    mutating func field(_ key: StaticString, _ value: Int) { self.key(key); number(value) }
    mutating func field(_ key: StaticString, _ value: ExactDecimal?) { self.key(key); number(value) }
    mutating func field(_ key: StaticString, _ value: Bool) { self.key(key); bool(value) }
    mutating func object(_ key: StaticString, _ body: (inout JSONWriter) -> Void) { self.key(key); object(body) }
    mutating func array(_ key: StaticString, _ body: (inout JSONWriter) -> Void) { self.key(key); array(body) }
    mutating func array(_ key: StaticString, _ strings: [String]) { self.key(key); array(strings) }

    // MARK: Layout

    private mutating func open(_ bracket: UInt8) {
        assert(!inline, "an inline object holds scalars only")
        beforeValue()
        output.append(byte: bracket)
        depth += 1
        hasElement = false
    }

    private mutating func close(_ bracket: UInt8) {
        depth -= 1
        if hasElement { newLine(afterComma: false) }
        output.append(byte: bracket)
        hasElement = true
    }

    /// A value goes after its key, or on a line of its own in an array.
    private mutating func beforeValue() {
        if afterKey { afterKey = false } else if depth > 0 { nextElement() }
    }

    private mutating func nextElement() {
        if inline {
            if hasElement { output.append(byte: UInt8(ascii: ",")); output.append(byte: UInt8(ascii: " ")) }
        } else {
            newLine(afterComma: hasElement)
        }
        hasElement = true
    }

    /// A line break and the indent, after a comma if `afterComma`: copied at once from a row made once.
    private mutating func newLine(afterComma: Bool) {
        let length = 2 + 2 * depth
        Self.lineBreak.withUnsafeBufferPointer { row in
            output.append(bytes: UnsafeBufferPointer(rebasing: row[(afterComma ? 0 : 1)..<min(length, row.count)]))
            // Deeper than the row is long (no report is): the rest of the indent.
            var spacesLeft = length - row.count
            while spacesLeft > 0 {
                let run = min(spacesLeft, row.count - 2)
                output.append(bytes: UnsafeBufferPointer(rebasing: row[2..<2 + run]))
                spacesLeft -= run
            }
        }
    }

    private static let lineBreak = Array(",\n".utf8) + [UInt8](repeating: UInt8(ascii: " "), count: 126)

    // MARK: Escaping

    /// A byte that cannot go into a JSON string as it is: control characters, `"` and `\`, `<`, `>`
    /// and `&` (safe to embed in HTML), and 0xE2, which starts U+2028 and U+2029 (line and
    /// paragraph separators, line breaks in JavaScript).
    private static func needsEscape(_ byte: UInt8) -> Bool {
        // One shift and test for the bytes below 0x40, which hold all but two of them.
        byte < 0x40 ? (escapedBelow0x40 &>> UInt64(byte)) & 1 != 0 : byte == 0x5C || byte == 0xE2
    }

    /// Bit n set: byte n < 0x40 needs escaping (0x00–0x1F, `"`, `&`, `<`, `>`).
    private static let escapedBelow0x40: UInt64 = 0xFFFF_FFFF | 1 << 0x22 | 1 << 0x26 | 1 << 0x3C | 1 << 0x3E

    /// Whether any of the eight bytes of `word` may need escaping (``needsEscape(_:)``).
    private static func mayNeedEscape(_ word: UInt64) -> Bool {
        WordScan.below(0x20, in: word)
            | WordScan.equal(UInt8(ascii: "\""), ignoring: 0x04, in: word)   // and & (0x26)
            | WordScan.equal(UInt8(ascii: "<"), ignoring: 0x02, in: word)    // and > (0x3E)
            | WordScan.equal(UInt8(ascii: "\\"), in: word)
            | WordScan.equal(0xE2, in: word) != 0
    }

    private mutating func escaped(_ text: String) {
        output.append(byte: UInt8(ascii: "\""))
        appendEscaped(text)
        output.append(byte: UInt8(ascii: "\""))
    }

    private mutating func appendEscaped(_ text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ appendEscaped($0) }) == nil {
            var text = text
            text.withUTF8 { appendEscaped($0) }
        }
    }

    /// The bytes of a string, escaped: the runs between bytes to escape are copied whole (most
    /// strings are one run).
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        // Most strings need nothing escaped: skipped a word at a time, then copied whole.
        var i = WordScan.skipWords(utf8, unless: Self.mayNeedEscape)
        while i < utf8.count && !Self.needsEscape(utf8[i]) { i += 1 }
        guard i < utf8.count else { output.append(bytes: utf8); return }
        var run = 0
        while i < utf8.count {
            let byte = utf8[i]
            guard Self.needsEscape(byte) else { i += 1; continue }
            if byte == 0xE2 && !(i + 2 < utf8.count && utf8[i + 1] == 0x80 && (utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9)) {
                i += 1   // another character starting with 0xE2 (e.g. "—"): as it is
                continue
            }
            output.append(bytes: UnsafeBufferPointer(rebasing: utf8[run..<i]))
            switch byte {
            case UInt8(ascii: "\""): output.append("\\\"")
            case UInt8(ascii: "\\"): output.append("\\\\")
            case UInt8(ascii: "\n"): output.append("\\n")
            case UInt8(ascii: "\r"): output.append("\\r")
            case UInt8(ascii: "\t"): output.append("\\t")
            case UInt8(ascii: "<"): output.append("\\u003c")
            case UInt8(ascii: ">"): output.append("\\u003e")
            case UInt8(ascii: "&"): output.append("\\u0026")
            case 0xE2:
                output.append(utf8[i + 2] == 0xA8 ? "\\u2028" : "\\u2029")
                i += 2
            default:
                output.append("\\u00")
                output.append(byte: Self.hexDigits[Int(byte >> 4)])
                output.append(byte: Self.hexDigits[Int(byte & 0x0F)])
            }
            i += 1
            run = i
        }
        output.append(bytes: UnsafeBufferPointer(rebasing: utf8[run...]))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
