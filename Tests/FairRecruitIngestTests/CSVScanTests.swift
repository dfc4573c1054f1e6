import FairRecruitCore
import Testing
@testable import FairRecruitIngest

/// The bytes of a file given in chunks of a set size, so that records end at every place in the buffer.
private final class Chunks: ChunkSource {
    private var rest: ArraySlice<UInt8>
    private let size: Int
    init(_ bytes: [UInt8], size: Int) { rest = bytes[...]; self.size = size }
    func next() throws(IngestError) -> [UInt8]? {
        guard !rest.isEmpty else { return nil }
        defer { rest = rest.dropFirst(size) }
        return Array(rest.prefix(size))
    }
}

/// Everything a reader tells of `bytes`: each record (line, fields, problem), then how reading ended
/// (the error with its line and column, or the record left open at the end of a segment) and the
/// line reached.
private func transcript(_ bytes: [UInt8], chunkSize: Int? = nil, endsMidFile: Bool = false, plainScan: Bool) -> [String] {
    let source: ChunkSource = chunkSize.map { Chunks(bytes, size: $0) } ?? OneChunk(bytes)
    let reader = CSVReader(source: source, path: "t.csv", endsMidFile: endsMidFile)
    reader.triesPlainScan = plainScan
    var lines: [String] = []
    do {
        while let record = try reader.next() {
            lines.append("\(record.line): \(record.fields) \(record.problem ?? "")")
        }
        if let open = reader.openRecord { lines.append("open at \(open.offset), \(open.line):\(open.column)") }
    } catch {
        lines.append("\(error)")
    }
    lines.append("line \(reader.line)")
    return lines
}

/// Checks that where `reader.next()` says each field starts is where the field is in `bytes`: at its
/// first character or its opening quote, just after a comma, or for a record's first field at the
/// start of a line or after a lone carriage return. Columns count characters; only a line feed ends a line.
private func expectFieldStartsPointAtTheirFields(_ bytes: [UInt8], chunkSize: Int?, plainScan: Bool,
                                                 sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let reader = CSVReader(source: chunkSize.map { Chunks(bytes, size: $0) } ?? OneChunk(bytes), path: "t.csv")
    reader.triesPlainScan = plainScan
    let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array(String(decoding: $0, as: UTF8.self).unicodeScalars) }
    while let record = try? reader.next() {   // up to the first error
        #expect(record.fieldStarts.count == record.fields.count, "\(bytes)", sourceLocation: sourceLocation)
        for (index, (start, field)) in zip(record.fieldStarts, record.fields).enumerated() {
            guard start.line <= lines.count, start.column >= 1, start.column - 1 <= lines[start.line - 1].count else {
                Issue.record("field \(index + 1) of line \(record.line) starts outside the file at \(start): \(bytes)", sourceLocation: sourceLocation)
                continue
            }
            let line = lines[start.line - 1]
            let text = line[(start.column - 1)...]
            #expect(text.starts(with: field.unicodeScalars) || text.first == "\"", "\(bytes)", sourceLocation: sourceLocation)
            let before = start.column > 1 ? line[start.column - 2] : nil
            #expect(index == 0 ? before == nil || before == "\r" : before == ",", "\(bytes)", sourceLocation: sourceLocation)
        }
    }
}

/// Checks that the plain scan changes nothing, in one chunk and in chunks of every size up to 20.
private func expectSameAsFullScan(_ text: [UInt8], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    for endsMidFile in [false, true] {
        let expected = transcript(text, endsMidFile: endsMidFile, plainScan: false)
        #expect(transcript(text, endsMidFile: endsMidFile, plainScan: true) == expected, sourceLocation: sourceLocation)
    }
    for size in 1...20 {
        let expected = transcript(text, chunkSize: size, plainScan: false)
        #expect(transcript(text, chunkSize: size, plainScan: true) == expected, "chunks of \(size)", sourceLocation: sourceLocation)
    }
}

private func expectSameAsFullScan(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    expectSameAsFullScan(Array(text.utf8), sourceLocation: sourceLocation)
}

@Suite struct CSVScanTests {
    @Test func fieldsOfEveryLengthAroundTheWordBoundaries() throws {
        for shift in 0..<8 {
            for length in 0...20 {
                let field = String(repeating: "x", count: length)
                let lead = String(repeating: "a", count: shift)
                let text = "\(lead),\(field),b\n\(field)\n\(field),\(field)\n"
                expectSameAsFullScan(text)
                let records = try readAll(temporaryFile("lengths.csv", text))
                let expected = [[lead, field, "b"], [field], [field, field]].filter { $0 != [""] }
                #expect(records.map(\.fields) == expected)
            }
        }
    }

    @Test func emptyFields() throws {
        let text = ",,,,,,,,,,,,,,,,,,\na,,,,,,,,,,,,,,,,,,,,,,,,,,b\n,\n"
        expectSameAsFullScan(text)
        #expect(try readAll(temporaryFile("empty-fields.csv", text)).map(\.fields)
            == [Array(repeating: "", count: 19), ["a"] + Array(repeating: "", count: 25) + ["b"], ["", ""]])
    }

    @Test func recordsWithMoreFieldsThanTheBufferHolds() throws {
        for count in [31, 32, 33, 40, 64, 65, 200] {
            let fields = (0..<count).map { String($0) }
            let text = "a,b\n" + fields.joined(separator: ",") + "\n" + fields.joined(separator: ",") + "\nc,d\n"
            expectSameAsFullScan(text)
            #expect(try readAll(temporaryFile("wide.csv", text)).map(\.fields) == [["a", "b"], fields, fields, ["c", "d"]])
        }
    }

    @Test func aRecordEndingAtTheEndOfTheBuffer() {
        for length in 0...20 {
            let field = String(repeating: "y", count: length)
            expectSameAsFullScan("abcdefgh,ij\nkl,\(field)\n")
            expectSameAsFullScan("abcdefgh,ij\nkl,\(field)")   // no final line feed
            expectSameAsFullScan("\(field)")
            expectSameAsFullScan("\(field)\n")
        }
    }

    @Test func whatTheFullScanMustReadNearARecordsEnd() {
        // A quote, a carriage return, a character of two bytes, a byte that is not UTF-8.
        for special: [UInt8] in [[0x22], [0x0D], Array("é".utf8), [0xFF]] {
            for gap in 0...9 {
                let record = Array("ab,cd".utf8) + Array(repeating: UInt8(ascii: "z"), count: gap)
                expectSameAsFullScan(record + special + Array("\nef,gh\n".utf8))       // in the record, just before its end
                expectSameAsFullScan(record + Array("\n".utf8) + special + Array("ef,gh\n".utf8))   // in the next record
                expectSameAsFullScan(record + Array("\nef,".utf8) + special + Array("gh\nij\n".utf8))
            }
        }
        for gap in 0...9 {
            expectSameAsFullScan("ab,cd\(String(repeating: "z", count: gap))\n\"e,f\",gh\nij,kl\n")   // a quoted field next
        }
    }

    @Test func blankLinesAreSkipped() throws {
        let text = "a,b\n\n\n12345678,9\n\n\n\n\n\n\n\n\nc,d\n\n"
        expectSameAsFullScan(text)
        let records = try readAll(temporaryFile("blank.csv", text))
        #expect(records.map(\.fields) == [["a", "b"], ["12345678", "9"], ["c", "d"]])
        #expect(records.map(\.line) == [1, 4, 13])
    }

    @Test func errorsAfterPlainRecordsHaveTheirLineAndColumn() {
        let plain = "id,name,amount\nR1,Name 1,4500\nR2,Name 2,3700\n"
        let bad = transcript(Array((plain + "R3,na").utf8) + [0xEF, 0x76] + Array("e,1\n".utf8), plainScan: true)
        #expect(bad.dropLast() == ["1: [\"id\", \"name\", \"amount\"] ", "2: [\"R1\", \"Name 1\", \"4500\"] ", "3: [\"R2\", \"Name 2\", \"3700\"] ",
                                   "t.csv:4:6: error: invalid UTF-8 (the file must be UTF-8, or UTF-16 with a byte-order mark)"])
        let unclosed = transcript(Array((plain + "R3,\"never closed\nR4,x,1\n").utf8), plainScan: true)
        #expect(unclosed.dropLast().last == "t.csv:4:4: error: quoted field is never closed")
        let stray = transcript(Array((plain + "R3,x\"y,1\nR4,Name 4,1\n").utf8), plainScan: true)
        #expect(stray.suffix(3) == ["4: [\"R3\", \"x\\\"y\", \"1\"] stray quote in an unquoted field at column 5", "5: [\"R4\", \"Name 4\", \"1\"] ", "line 6"])
        expectSameAsFullScan(Array((plain + "R3,na").utf8) + [0xEF, 0x76] + Array("e,1\n".utf8))
        expectSameAsFullScan(plain + "R3,\"never closed\nR4,x,1\n")
        expectSameAsFullScan(plain + "R3,x\"y,1\nR4,Name 4,1\n")
    }

    @Test func aSegmentEndingInsideARecord() {
        let text = "id,name\n1,abcdefghij\n2,klmnopqrstu"
        #expect(transcript(Array(text.utf8), endsMidFile: true, plainScan: true).suffix(2) == ["open at 21, 3:1", "line 3"])
        expectSameAsFullScan(text)
    }

    /// Random records of bytes that matter to the scan, in random chunk sizes; where each field starts.
    @Test func randomRecordsReadAsByTheFullScan() {
        var random = SplitMix64(seed: 2026)
        let pieces: [[UInt8]] = [Array("a".utf8), Array("bcdefghijk".utf8), [0x2C], [0x2C], [0x2C], [0x0A], [0x0A], [0x22],
                                 [0x0D], [0x20], Array("é".utf8), [0xFF], Array("12345678901234567".utf8)]
        for _ in 0..<3000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(random.next() % 60) { bytes += pieces[Int(random.next() % UInt64(pieces.count))] }
            let size = Int(random.next() % 24) + 1
            let endsMidFile = random.next() % 2 == 0
            let expected = transcript(bytes, chunkSize: endsMidFile ? nil : size, endsMidFile: endsMidFile, plainScan: false)
            #expect(transcript(bytes, chunkSize: endsMidFile ? nil : size, endsMidFile: endsMidFile, plainScan: true) == expected, "\(bytes)")
            expectFieldStartsPointAtTheirFields(bytes, chunkSize: size, plainScan: endsMidFile)
        }
    }
}

/// A small, seeded random number generator, so that a failure can be replayed.
private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
