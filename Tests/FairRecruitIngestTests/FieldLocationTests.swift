import FairRecruitCore
import Foundation
import Testing
@testable import FairRecruitIngest

/// Where each field of a CSV record starts.
@Suite struct FieldLocationTests {
    /// Each record's field starts as `line:column`.
    private func starts(_ bytes: [UInt8]) throws -> [[String]] {
        try readAll(temporaryFile("starts-\(UUID().uuidString).csv", bytes)).map { $0.fieldStarts.map { "\($0.line):\($0.column)" } }
    }

    private func starts(_ text: String) throws -> [[String]] { try starts(Array(text.utf8)) }

    @Test func aFieldStartsAtItsFirstCharacterOrItsOpeningQuote() throws {
        // After a quoted field holding a comma, after text of two-byte characters, after a quoted field of two lines.
        #expect(try starts("a,\"x, y\",é,b\nRāṣṭra Bänk,npr\n\"two\nlines\",z\n")
            == [["1:1", "1:3", "1:10", "1:12"], ["2:1", "2:13"], ["3:1", "4:8"]])
        // Doubled quotes, text after a closing quote, empty fields, CRLF, no final line break.
        #expect(try starts("\"say \"\"hi\"\"\",x\r\n\"ok\"zz,,y\r\n,\n\"\"\n\"\",q") == [["1:1", "1:14"], ["2:1", "2:8", "2:9"], ["3:1", "3:2"], ["5:1", "5:4"]])
    }

    @Test func aByteOrderMarkIsNotAColumn() throws {
        #expect(try starts([0xEF, 0xBB, 0xBF] + Array("id,name\n1,é\n".utf8)) == [["1:1", "1:4"], ["2:1", "2:3"]])
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in "id,name\nÑandú,x\n".utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        #expect(try starts(utf16) == [["1:1", "1:4"], ["2:1", "2:7"]])
    }

    /// Only a line feed starts a line: a record ended by a lone carriage return (old Mac files) is
    /// followed by one on the same line, also past a blank record.
    @Test func recordsEndedByALoneCarriageReturnGoOnTheSameLine() throws {
        #expect(try starts("a,b\rc,d\n") == [["1:1", "1:3"], ["1:5", "1:7"]])
        #expect(try starts("a\r\rb,c\n") == [["1:1"], ["1:4", "1:6"]])
    }

    @Test func aFieldRowKnowsWhereItsFieldsStart() throws {
        let path = temporaryFile("field-row-\(UUID().uuidString).csv", "b,unknown,a\n\"x\ny\",é,z\n1,2\n")
        let reader = try CSVRowReader(path: path, known: ["a", "b"], required: ["a"])
        let row = try #require(try reader.next())
        #expect(row.location(of: "a") == SourceLocation(file: path, line: 3, column: 6))
        #expect(row.location(of: "b") == SourceLocation(file: path, line: 2, column: 1))
        #expect(row.location(of: "c") == row.location)
        // A field missing from a short row: the row's start.
        let short = try #require(try reader.next())
        #expect(short.problem == "expected 3 fields, found 2")
        #expect(short.location(of: "a") == SourceLocation(file: path, line: 4, column: 1))
        #expect(try reader.next() == nil)
    }
}
