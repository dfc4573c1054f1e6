import FairRecruitCore

/// Writes pretty-printed JSON straight into bytes, as the reports have always been laid out: two
/// spaces of indent per level, `"key": value`, empty containers as `[]` and `{}`, strings escaped
/// so that they can be embedded in HTML. The caller writes an object's keys in sorted order (debug
/// builds check it), so that a document with a million values needs no tree of them in memory.
///
/// The small objects of scalars that come by the thousand (a record cited, an evidence location)
/// are written on one line each, `{"file": "f.csv", "line": 7}` (``inlineObject(_:)``): laid out
/// like the rest, five lines of deep indent each, they made most of a large report's bytes.
///
/// Hand-written rather than Foundation's JSONEncoder: it writes another layout (`"key" : value`,
/// `/` escaped as `\/`, `<`, `>` and `&` not escaped, nil members left out), and it is slower:
/// measured on this machine, JSONEncoder (.prettyPrinted, .sortedKeys) took 1.6 s of CPU for 96 MB
/// of Codable reimbursements shaped like report.json's, where this writer takes under 0.5 s for
/// the 125 MB report.json of 1M fee records (no other JSON library is among the dependencies).
struct JSONWriter {
    private(set) var output: OutputBuffer
    private var depth = 0
    /// The innermost open container already holds an element: the next one follows a comma.
    private var hasElement = false
    /// A key was just written: the value follows on its line.
    private var afterKey = false
    /// Inside an inline object: members follow one another on its line.
    private var inline = false
    #if DEBUG
    /// The last key written in each open object, to check the order.
    private var lastKeys: [String?] = []
    #endif

    init(capacity: Int = 0) { output = OutputBuffer(capacity: capacity) }

    /// One document: the value `body` writes and a final line break.
    static func document(capacity: Int = 0, _ body: (inout JSONWriter) -> Void) -> OutputBuffer {
        var writer = JSONWriter(capacity: capacity)
        body(&writer)
        writer.output.append(byte: UInt8(ascii: "\n"))
        return writer.output
    }

    // MARK: Containers

    mutating func object(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        #if DEBUG
        lastKeys.append(nil)
        #endif
        body(&self)
        #if DEBUG
        lastKeys.removeLast()
        #endif
        close(UInt8(ascii: "}"))
    }

    /// An object on one line, `{"key": value, "key": value}`: only for a few scalar members.
    mutating func inlineObject(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        inline = true
        #if DEBUG
        lastKeys.append(nil)
        #endif
        body(&self)
        #if DEBUG
        lastKeys.removeLast()
        #endif
        inline = false
        depth -= 1
        output.append(byte: UInt8(ascii: "}"))
        hasElement = true
    }

    mutating func array(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "["))
        body(&self)
        close(UInt8(ascii: "]"))
    }

    /// An array of strings.
    mutating func array(_ strings: [String]) { array { for s in strings { $0.string(s) } } }

    /// A member's key; its value is written next.
    mutating func key(_ name: String) {
        #if DEBUG
        if let last = lastKeys[lastKeys.count - 1] { assert(last < name, "JSON keys out of order: \(last) before \(name)") }
        lastKeys[lastKeys.count - 1] = name
        #endif
        nextElement()
        escaped(name)
        output.append(byte: UInt8(ascii: ":"))
        output.append(byte: UInt8(ascii: " "))
        afterKey = true
    }

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

    mutating func field(_ key: String, _ value: String) { self.key(key); string(value) }
    mutating func field(_ key: String, _ value: String?) { self.key(key); string(value) }
    mutating func field(_ key: String, _ value: Day) { self.key(key); string(value) }
    mutating func field(_ key: String, _ value: Int) { self.key(key); number(value) }
    mutating func field(_ key: String, _ value: ExactDecimal?) { self.key(key); number(value) }
    mutating func field(_ key: String, _ value: Bool) { self.key(key); bool(value) }
    mutating func object(_ key: String, _ body: (inout JSONWriter) -> Void) { self.key(key); object(body) }
    mutating func array(_ key: String, _ body: (inout JSONWriter) -> Void) { self.key(key); array(body) }
    mutating func array(_ key: String, _ strings: [String]) { self.key(key); array(strings) }

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
        if hasElement { newLine() }
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
            if hasElement { output.append(byte: UInt8(ascii: ",")) }
            newLine()
        }
        hasElement = true
    }

    private mutating func newLine() {
        output.append(byte: UInt8(ascii: "\n"))
        output.appendSpaces(2 * depth)
    }

    // MARK: Escaping

    /// A byte that cannot go into a JSON string as it is: control characters, `"` and `\`, `<`, `>`
    /// and `&` (safe to embed in HTML), and 0xE2, which starts U+2028 and U+2029 (line and
    /// paragraph separators, line breaks in JavaScript).
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x3C || byte == 0x3E || byte == 0x26 || byte == 0xE2
    }

    private mutating func escaped(_ text: String) {
        output.append(byte: UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            // Most strings need no escaping at all: copy them whole.
            guard utf8.contains(where: Self.needsEscape) else { output.append(bytes: utf8); return }
            var i = 0
            while i < utf8.count {
                let byte = utf8[i]
                switch byte {
                case UInt8(ascii: "\""): output.append("\\\"")
                case UInt8(ascii: "\\"): output.append("\\\\")
                case UInt8(ascii: "\n"): output.append("\\n")
                case UInt8(ascii: "\r"): output.append("\\r")
                case UInt8(ascii: "\t"): output.append("\\t")
                case UInt8(ascii: "<"): output.append("\\u003c")
                case UInt8(ascii: ">"): output.append("\\u003e")
                case UInt8(ascii: "&"): output.append("\\u0026")
                case 0xE2 where i + 2 < utf8.count && utf8[i + 1] == 0x80 && (utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9):
                    output.append(utf8[i + 2] == 0xA8 ? "\\u2028" : "\\u2029")
                    i += 2
                case ..<0x20:
                    output.append("\\u00")
                    output.append(byte: Self.hexDigits[Int(byte >> 4)])
                    output.append(byte: Self.hexDigits[Int(byte & 0x0F)])
                default: output.append(byte: byte)
                }
                i += 1
            }
        }
        output.append(byte: UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
