import FairRecruitCore

/// One CSV record: its fields and the line it starts on.
public struct CSVRecord: Sendable {
    public var line: Int
    public var fields: [String]
    /// A problem confined to this record (a stray quote): the record is rejected, reading goes on.
    public var problem: String?
}

/// A streaming RFC 4180 reader: quoted fields with commas, quotes and line breaks, CRLF or LF,
/// an optional byte-order mark. Invalid UTF-8 stops the file with the bad byte's line and column;
/// an unterminated quote stops it at the opening quote.
public final class CSVReader {
    private let stream: ByteStream
    private var chunk: [UInt8] = []
    private var position = 0
    private var finished = false
    // Position of the next byte.
    private var line = 1
    private var column = 1
    // UTF-8 validation state carried across chunks.
    private var pendingContinuations = 0
    private var firstContinuationRange: ClosedRange<UInt8> = 0x80...0xBF
    private var sequenceStart = (line: 1, column: 1)

    public var path: String { stream.path }

    public init(path: String) throws(IngestError) {
        stream = try ByteStream(path: path)
    }

    private func nextByte() throws(IngestError) -> UInt8? {
        while position >= chunk.count {
            if finished { return nil }
            guard let next = try stream.next() else {
                finished = true
                if pendingContinuations > 0 { throw invalidUTF8(at: sequenceStart) }
                return nil
            }
            chunk = next
            position = 0
        }
        let byte = chunk[position]
        position += 1
        try validate(byte)
        return byte
    }

    private func peekByte() throws(IngestError) -> UInt8? {
        while position >= chunk.count {
            if finished { return nil }
            guard let next = try stream.next() else { finished = true; return nil }
            chunk = next
            position = 0
        }
        return chunk[position]
    }

    private func invalidUTF8(at place: (line: Int, column: Int)) -> IngestError {
        .malformed(SourceLocation(file: path, line: place.line, column: place.column),
                   "invalid UTF-8 (the file must be UTF-8, or UTF-16 with a byte-order mark)")
    }

    /// Advances line and column and checks UTF-8 well-formedness (no overlongs, no surrogates).
    private func validate(_ byte: UInt8) throws(IngestError) {
        if pendingContinuations > 0 {
            guard firstContinuationRange.contains(byte) else { throw invalidUTF8(at: sequenceStart) }
            firstContinuationRange = 0x80...0xBF
            pendingContinuations -= 1
            return
        }
        switch byte {
        case 0x0A: line += 1; column = 1; return
        case 0x00...0x7F: column += 1; return
        case 0xC2...0xDF: pendingContinuations = 1; firstContinuationRange = 0x80...0xBF
        case 0xE0: pendingContinuations = 2; firstContinuationRange = 0xA0...0xBF
        case 0xED: pendingContinuations = 2; firstContinuationRange = 0x80...0x9F
        case 0xE1...0xEF: pendingContinuations = 2; firstContinuationRange = 0x80...0xBF
        case 0xF0: pendingContinuations = 3; firstContinuationRange = 0x90...0xBF
        case 0xF1...0xF3: pendingContinuations = 3; firstContinuationRange = 0x80...0xBF
        case 0xF4: pendingContinuations = 3; firstContinuationRange = 0x80...0x8F
        default: throw invalidUTF8(at: (line, column))
        }
        sequenceStart = (line, column)
        column += 1
    }

    /// The next record, or nil at the end of the file. Blank lines are skipped.
    public func next() throws(IngestError) -> CSVRecord? {
        while true {
            guard let record = try readRecord() else { return nil }
            if record.fields.count == 1 && record.fields[0].isEmpty && record.problem == nil { continue }
            return record
        }
    }

    private func readRecord() throws(IngestError) -> CSVRecord? {
        guard try peekByte() != nil else { return nil }
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var problem: String?
        var atFieldStart = true
        var inQuotes = false
        var afterClosingQuote = false
        var quoteStart = (line: 0, column: 0)
        func finishField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            atFieldStart = true; afterClosingQuote = false
        }
        while true {
            let here = (line, column)
            guard let byte = try nextByte() else {
                if inQuotes {
                    throw IngestError.malformed(SourceLocation(file: path, line: quoteStart.line, column: quoteStart.column),
                                                "quoted field is never closed")
                }
                finishField()
                return CSVRecord(line: startLine, fields: fields, problem: problem)
            }
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if try peekByte() == UInt8(ascii: "\"") {
                        _ = try nextByte()
                        field.append(byte)
                    } else {
                        inQuotes = false
                        afterClosingQuote = true
                    }
                } else {
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                finishField()
            case UInt8(ascii: "\n"):
                finishField()
                return CSVRecord(line: startLine, fields: fields, problem: problem)
            case UInt8(ascii: "\r"):
                if try peekByte() == UInt8(ascii: "\n") { _ = try nextByte() }
                finishField()
                return CSVRecord(line: startLine, fields: fields, problem: problem)
            case UInt8(ascii: "\"") where atFieldStart:
                inQuotes = true; atFieldStart = false
                quoteStart = here
            default:
                if afterClosingQuote {
                    problem = problem ?? "unexpected text after a closing quote at column \(here.1)"
                } else if byte == UInt8(ascii: "\"") {
                    problem = problem ?? "stray quote in an unquoted field at column \(here.1)"
                }
                atFieldStart = false
                field.append(byte)
            }
        }
    }
}
