import FairRecruitCore
import Foundation
import Testing
@testable import FairRecruitIngest

/// Where each field of a CSV record starts, and the messages about one field that name it.
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

    /// A lone carriage return (old Mac files) stops the file where it is: records ended by one
    /// would all be on line 1.
    @Test func aLoneCarriageReturnStopsTheFileWhereItIs() throws {
        for (text, at) in [("a,b\rc,d\n", ":1:4:"), ("x\n\"q\"\r\rb\n", ":2:4:")] {
            #expect { try starts(text) } throws: { "\($0)".contains(at) && "\($0)".hasSuffix("a carriage return without a line feed: lines must end in LF or CRLF") }
        }
    }

    @Test func aBadExchangeRateNamesItsFieldsLineAndColumn() throws {
        func error(_ text: String, bytes prefix: [UInt8] = []) -> String {
            let path = temporaryFile("rates-\(UUID().uuidString).csv", prefix + Array(text.utf8))
            do {
                _ = try ExchangeRatesReader.read(path)
                return "read"
            } catch {
                return "\(error)".replacingOccurrences(of: path, with: "rates.csv")
            }
        }
        let header = "source,currency,units_per_usd,as_of\n"
        // After a quoted field holding a comma.
        #expect(error(header + "\"Central bank, Kathmandu\",NPR,abc,2024-01-01\n")
            == "rates.csv:2:31: error: units_per_usd 'abc' must be a number above 0")
        // After non-ASCII text: columns count characters, not bytes.
        #expect(error(header + "Nepal Rāṣṭra Bank,npr,133.2,2024-01-01\n")
            == "rates.csv:2:19: error: currency 'npr' must be an ISO 4217 code such as NPR")
        // After a quoted field of two lines, with doubled quotes: the field's own line.
        #expect(error(header + "x,NPR,133.2,2024-01-01\n\"Bank, \"\"central\"\"\nKathmandu\",NPR,133.2,2024-13-01\n")
            == "rates.csv:4:22: error: as_of '2024-13-01' must be a date (YYYY-MM-DD)")
        // A blank value: where its empty field is (after a UTF-8 byte-order mark, which shifts nothing).
        #expect(error("currency,units_per_usd,as_of,source\nNPR,133.2,2024-01-01,\n", bytes: [0xEF, 0xBB, 0xBF])
            == "rates.csv:2:22: error: source is missing: every rate needs its source")
        #expect(error("currency,units_per_usd,as_of,source\n,133.2,2024-01-01,x\n")
            == "rates.csv:2:1: error: currency '' must be an ISO 4217 code such as NPR")
        // A problem of the whole row stays at its start.
        #expect(error("currency,units_per_usd,as_of,source\nNPR,133.2\n") == "rates.csv:2:1: error: expected 4 fields, found 2")
        #expect(error("currency,units_per_usd,as_of,source\nNPR,133.2,2024-01-01,x\n") == "read")
        // Two rates for one currency and day (the same one twice is fine), and a dollar not worth one.
        #expect(error("currency,units_per_usd,as_of,source\nNPR,130,2024-01-01,a\nNPR,130,2024-01-01,a\nNPR,13,2024-01-01,b\n")
            == "rates.csv:4:5: error: a second rate for NPR on 2024-01-01 (13; 130 at line 2): which one holds cannot be told")
        #expect(error("currency,units_per_usd,as_of,source\nUSD,2,2000-01-01,x\n")
            == "rates.csv:2:5: error: units_per_usd '2' for USD must be 1: rates are in units per US dollar")
    }

    @Test func aColumnRepeatedInTheHeaderIsNamedWhereItsSecondFieldStarts() throws {
        let registry = temporaryFile("registry-twice-\(UUID().uuidString).csv",
                                     [0xEF, 0xBB, 0xBF] + Array("\"Agency, Ltd\",agency_id,name,country,licence_status,licence_expires,Name\n".utf8))
        #expect { try LicenceRegistry.read(registry) } throws: { error in
            "\(error)" == "\(registry):1:69: error: column 'name' appears twice in the header (fields 3 and 7)"
        }
        let answers = temporaryFile("answers-twice-\(UUID().uuidString).csv", "agency_id,\"Question_ID\",änswer, question_id\n")
        #expect { try AnswerBook(questions: [:], agencyFilter: nil).readCSV(answers) } throws: { error in
            "\(error)" == "\(answers):1:32: error: column 'question_id' appears twice in the header (fields 2 and 4)"
        }
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
