import FairRecruitCore

/// A row of the contract's columns as bytes, whatever the file format, valid only inside a
/// reader's callback. Only the columns the contract knows are kept, so unknown columns (names,
/// passport numbers) never travel further; large files are validated without a String per value.
public struct RawRow {
    /// Held by the reader, not by each row: a row is lent only while its reader reads (its values
    /// point into the reader's memory too), and retaining the path for every row was a pair of
    /// atomic operations a row on the threads that parse.
    private unowned(unsafe) let source: RowSource
    public var file: String { source.path }
    public let line: Int
    /// A problem found while reading the row itself (wrong field count, stray quote, field given twice).
    public let problem: String?
    /// Per column of the reader's `known` list: the value without surrounding whitespace (see
    /// ``value(_:)``), or nil when absent or blank. Readers trim each value once as they fill this:
    /// trimming on every look was a twentieth of checking a fee row (callgrind).
    let values: UnsafeBufferPointer<UnsafeBufferPointer<UInt8>?>

    init(source: RowSource, line: Int, problem: String?, values: UnsafeBufferPointer<UnsafeBufferPointer<UInt8>?>) {
        self.source = source; self.line = line; self.problem = problem; self.values = values
    }

    public var location: SourceLocation { SourceLocation(file: file, line: line) }

    /// The value, or nil when absent or blank.
    subscript(_ column: Int) -> UnsafeBufferPointer<UInt8>? { values[column] }

    /// A value as written, as it is kept: without surrounding whitespace, nil when blank.
    @inline(__always)
    static func value(_ raw: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        let value = trimmedWhitespace(raw)
        return value.isEmpty ? nil : value
    }

    /// The trimmed value as text, or nil when absent or blank.
    func text(_ column: Int) -> String? { self[column].map { String(decoding: $0, as: UTF8.self) } }
}

/// `bytes` without leading and trailing whitespace. Most values have none: the first and last
/// byte are looked at before any decoding (making a String of every value to trim it was about
/// 10% of reading a million-row file).
@inline(__always)
func trimmedWhitespace(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
    guard let first = bytes.first, let last = bytes.last else { return bytes }
    func plain(_ b: UInt8) -> Bool { b > 0x20 && b < 0x80 }
    if plain(first) && plain(last) { return bytes }
    return trimmedSlowly(bytes)
}

private func trimmedSlowly(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
    let text = String(decoding: bytes, as: UTF8.self)
    var kept = Substring(text)
    while let f = kept.first, f.isWhitespace { kept = kept.dropFirst() }
    while let l = kept.last, l.isWhitespace { kept = kept.dropLast() }
    let from = text.utf8.distance(from: text.startIndex, to: kept.startIndex)
    let to = text.utf8.distance(from: text.startIndex, to: kept.endIndex)
    return UnsafeBufferPointer(rebasing: bytes[from..<to])
}

/// A row of named values, for the small inputs (self-assessments, registries, rates) whose
/// readers look values up by name.
public struct FieldRow: Sendable {
    public var location: SourceLocation
    /// Lowercased column name → value as written.
    public var values: [String: String]
    /// A problem found while reading the row itself (wrong field count, stray quote, field given twice).
    public var problem: String?
    /// Lowercased column name → where its field starts in the file, where known (CSV, not XML).
    public var fieldStarts: [String: SourceLocation]

    public init(location: SourceLocation, values: [String: String], problem: String? = nil, fieldStarts: [String: SourceLocation] = [:]) {
        self.location = location; self.values = values; self.problem = problem; self.fieldStarts = fieldStarts
    }

    /// The values of a raw row, named after `known` (the columns the raw row's reader was given).
    init(_ row: RawRow, known: [String]) {
        var values: [String: String] = [:]
        for (column, name) in known.enumerated() {
            if let raw = row.values[column] { values[name] = String(decoding: raw, as: UTF8.self) }
        }
        self.init(location: row.location, values: values, problem: row.problem)
    }

    /// Where a column's field starts, for a message about its value: the row's location when that is
    /// not known (an XML row, or a field missing from a short row).
    public func location(of column: String) -> SourceLocation { fieldStarts[column] ?? location }

    /// The trimmed value, or nil when absent or blank.
    public subscript(_ column: String) -> String? {
        guard let raw = values[column] else { return nil }
        let trimmed = raw.trimmed
        return trimmed.isEmpty ? nil : trimmed
    }
}

extension String {
    /// Without leading and trailing whitespace.
    var trimmed: String {
        var copy = self
        return copy.withUTF8 { String(decoding: trimmedWhitespace($0), as: UTF8.self) }
    }
}

/// Reads a CSV file row by row: the header row names the columns (case-insensitively, in any
/// order); required columns must be present; other columns are dropped.
/// The file a reader's rows come from (see ``RawRow``).
final class RowSource {
    let path: String
    init(path: String) { self.path = path }
}

public final class CSVRowReader {
    private let reader: CSVReader
    private let columns: [Int]   // per field index: the known column it fills, or -1
    /// Per known column, the current row's value. Memory of the reader's own rather than an Array
    /// property: each row's use of the Array was checked for exclusive access and uniqueness
    /// (a third of filling a row, callgrind).
    private let values: UnsafeMutableBufferPointer<UnsafeBufferPointer<UInt8>?>
    public let known: [String]
    public var path: String { source.path }
    private let source: RowSource

    public init(path: String, known: [String], required: [String], progress: ReadProgress? = nil) throws(IngestError) {
        reader = try CSVReader(path: path, progress: progress)
        source = RowSource(path: path)
        self.known = known
        guard let header = try reader.next() else {
            throw IngestError.malformed(SourceLocation(file: path, line: 1), "the file is empty; expected a header row with \(required.joined(separator: ", "))")
        }
        var columns: [Int] = []
        var seen: [String: Int] = [:]
        for (index, name) in header.fields.enumerated() {
            let key = name.trimmed.lowercased()
            if let first = seen[key], !key.isEmpty {
                let at = index < header.fieldStarts.count ? header.fieldStarts[index] : SourceLocation(file: path, line: header.line)
                throw IngestError.malformed(at,
                                            "column '\(key)' appears twice in the header (fields \(first + 1) and \(index + 1))")
            }
            seen[key] = index
            columns.append(known.firstIndex(of: key) ?? -1)
        }
        let missing = required.filter { seen[$0] == nil }
        if !missing.isEmpty {
            let hints = missing.map { name in
                let close = closestMatch(to: name, in: header.fields.map { $0.trimmed.lowercased() })
                return close.map { "'\(name)' (found '\($0)')" } ?? "'\(name)'"
            }
            throw IngestError.malformed(SourceLocation(file: path, line: header.line),
                                        "missing required column\(missing.count > 1 ? "s" : "") \(hints.joined(separator: ", "))")
        }
        self.columns = columns
        // Allocated once nothing can throw: the deinit that frees it does not run for an init that threw.
        values = .allocate(capacity: known.count)
        values.initialize(repeating: nil)
    }

    deinit { values.deallocate() }

    /// Continues after a header read elsewhere, with its column mapping.
    private init(continuing reader: CSVReader, columns: [Int], known: [String]) {
        self.reader = reader; self.columns = columns; self.known = known; source = RowSource(path: reader.path)
        values = .allocate(capacity: known.count)
        values.initialize(repeating: nil)
    }

    /// Calls `body` with every remaining row in order (lent by pointer), each first made by a
    /// function `checking` makes, and the number of lines to add to the row's line. A large file is parsed
    /// and checked on several cores (``ParallelReading``), each thread with its own function;
    /// `body` runs on the calling thread. Tests make segments small to put cuts anywhere. Then
    /// `expecting` is told, once, after the first segment, how many rows the file holds at its rate.
    func readAll<Row>(segmentSize: Int = ParallelReading.segmentSize, checking: @escaping @Sendable () -> RowCheck<Row>,
                      ahead: (UnsafePointer<Row>) -> Void = { _ in }, expecting: (Int) -> Void = { _ in },
                      _ body: (UnsafePointer<Row>, Int) -> Void) throws(IngestError) {
        let rest = reader.remainder()
        guard ParallelReading.worthIt(fileSize: ByteStream.size(of: path), segmentSize: segmentSize), rest.column == 1 else {
            let check = checking()
            while try nextRow({ withChecked($0, check) { body($0, 0) } }) {}
            return
        }
        let (columns, known, path) = (self.columns, self.known, self.path)
        let pipeline = SegmentPipeline<Row>(Segmenter(stream: rest.stream, leftover: rest.bytes, segmentSize: segmentSize) { _, _ in true }) { segment, rows in
            Self.parse(segment, into: rows, columns: columns, known: known, path: path, check: checking())
        }
        defer { pipeline.close() }
        var lineOffset = rest.line - 1
        while let batch = try pipeline.next() {
            batch.handOver(ahead: ahead) { body($0, lineOffset) }
            if batch.segment?.index == 0 { expecting(batch.estimatedRows(inFileOf: ByteStream.size(of: path))) }
            if let failure = batch.failure { throw failure.shifted(by: lineOffset) }
            guard let open = batch.resume else { lineOffset += batch.lines; continue }
            // A quoted field went on past the cut: the rest is read sequentially from its record.
            pipeline.stopParsing()
            let source = RemainingSegments(rest: Array(batch.segment!.bytes[open.offset...]), pipeline: pipeline)
            let sequential = CSVRowReader(continuing: CSVReader(source: source, path: path, line: open.line + lineOffset, column: open.column),
                                          columns: columns, known: known)
            let check = checking()
            while try sequential.nextRow({ withChecked($0, check) { body($0, 0) } }) {}
            return
        }
    }

    /// The rows of one segment (lines counted from its start).
    private static func parse<Row>(_ segment: Segment, into rows: RowBuffer<Row>, columns: [Int], known: [String], path: String,
                                   check: RowCheck<Row>) -> RowBatch<Row> {
        let batch = RowBatch<Row>(segment: segment, rows: rows)
        // Copies of the segment's own: every row retains and releases the path and the column
        // map, and shared by the threads parsing at once, their reference counts were cache lines
        // the cores fought over.
        let reader = CSVReader(source: OneChunk(segment.bytes), path: path.withOwnStorage, endsMidFile: !segment.isLast)
        let rowReader = CSVRowReader(continuing: reader, columns: columns.map { $0 }, known: known)
        do throws(IngestError) {
            while try rowReader.nextRow({ row in rows.append { check(row, $0) } }) {}
        } catch {
            batch.failure = error
        }
        batch.resume = reader.openRecord
        batch.lines = reader.line - 1
        return batch
    }

    /// Calls `body` with the next row; returns false at the end of the file.
    public func nextRow(_ body: (RawRow) -> Void) throws(IngestError) -> Bool {
        try reader.nextRecord { record in
            let columns = self.columns
            values.update(repeating: nil)
            for index in 0..<min(record.count, columns.count) where columns[index] >= 0 {
                values[columns[index]] = RawRow.value(record.field(index))
            }
            var problem = record.problem
            if problem == nil && record.count != columns.count {
                problem = "expected \(columns.count) fields, found \(record.count)"
            }
            body(RawRow(source: source, line: record.line, problem: problem, values: UnsafeBufferPointer(values)))
        }
    }

    /// The next row with its values as text and where the known columns' fields start, or nil at
    /// the end of the file. Read as ``nextRow(_:)`` reads a row, but apart: sharing its code, even
    /// through a function always inlined, changed the machine code of reading large files.
    public func next() throws(IngestError) -> FieldRow? {
        var row: FieldRow?
        _ = try reader.nextLocatedRecord { record, starts in
            var values: [String: String] = [:], located: [String: SourceLocation] = [:]
            for index in 0..<min(record.count, columns.count) where columns[index] >= 0 {
                let name = known[columns[index]]
                if let value = RawRow.value(record.field(index)) { values[name] = String(decoding: value, as: UTF8.self) }
                if index < starts.count { located[name] = starts[index] }
            }
            var problem = record.problem
            if problem == nil && record.count != columns.count {
                problem = "expected \(columns.count) fields, found \(record.count)"
            }
            row = FieldRow(location: SourceLocation(file: path, line: record.line), values: values, problem: problem, fieldStarts: located)
        }
        return row
    }
}
