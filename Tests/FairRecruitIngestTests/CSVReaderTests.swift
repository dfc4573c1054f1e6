import FairRecruitCore
import Foundation
import Testing
@testable import FairRecruitIngest

/// Writes bytes to a fresh temporary file named after the test.
func temporaryFile(_ name: String, _ bytes: [UInt8]) -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fairrecruit-tests-\(ProcessInfo.processInfo.processIdentifier)")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent(name).path
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
}

func temporaryFile(_ name: String, _ text: String) -> String { temporaryFile(name, Array(text.utf8)) }

func readAll(_ path: String) throws -> [CSVRecord] {
    let reader = try CSVReader(path: path)
    var records: [CSVRecord] = []
    while let record = try reader.next() { records.append(record) }
    return records
}

@Suite struct CSVReaderTests {
    @Test func quotedFieldsHoldCommasQuotesAndLineBreaks() throws {
        let path = temporaryFile("rfc4180.csv", "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\n\r\nlast,,\"\"\r\n")
        let records = try readAll(path)
        #expect(records.map(\.fields) == [["a", "b", "c"], ["x, y", "say \"hi\"", "two\r\nlines"], ["last", "", ""]])
        #expect(records.map(\.line) == [1, 2, 5])
        #expect(records.allSatisfy { $0.problem == nil })
    }

    @Test func aByteOrderMarkIsDroppedAndUTF16IsRead() throws {
        #expect(try readAll(temporaryFile("bom.csv", [0xEF, 0xBB, 0xBF] + Array("id,name\n1,é\n".utf8))).map(\.fields) == [["id", "name"], ["1", "é"]])
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in "id,name\n1,Ñandú\n".utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        #expect(try readAll(temporaryFile("utf16.csv", utf16)).map(\.fields) == [["id", "name"], ["1", "Ñandú"]])
    }

    @Test func invalidUTF8StopsAtTheBadByte() throws {
        let path = temporaryFile("latin1.csv", Array("id,name\n1,na".utf8) + [0xEF, 0x76, 0x65] + Array("\n".utf8))
        #expect { try readAll(path) } throws: { error in
            "\(error)" == "\(path):2:5: error: invalid UTF-8 (the file must be UTF-8, or UTF-16 with a byte-order mark)"
        }
        // UTF-16 without a byte-order mark: its first NUL byte ("i" is 69 00).
        let noMark = temporaryFile("utf16-nobom.csv", [0x69, 0x00, 0x64, 0x00, 0x0A, 0x00, 0xE9, 0x00])
        #expect { try readAll(noMark) } throws: { error in "\(error)".hasPrefix("\(noMark):1:2: error: NUL byte: not UTF-8 text") }
    }

    @Test func aNULByteFarIntoTheFileStopsItThere() throws {
        // Past the first chunk read (1 MiB), where the reader itself finds it.
        let rows = String(repeating: "1,abcdefgh\n", count: 120_000)
        let path = temporaryFile("nul.csv", Array(("id,name\n" + rows).utf8) + Array("2,ab".utf8) + [0] + Array("c\n3,d\n".utf8))
        #expect { try readAll(path) } throws: { error in
            "\(error)" == "\(path):120002:5: error: NUL byte: not UTF-8 text (the file must be UTF-8, or UTF-16 with a byte-order mark)"
        }
    }

    @Test func linesOfOnlySpacesAndTabsAreBlank() throws {
        let records = try readAll(temporaryFile("spaces.csv", "a,b\n   \n1,2\n\t \n\"\"\n\" \"\n"))
        #expect(records.map(\.fields) == [["a", "b"], ["1", "2"], [" "]])   // a quoted space is a value
        #expect(records.map(\.line) == [1, 3, 6])
    }

    @Test func aCarriageReturnWithoutALineFeedStopsTheFile() throws {
        // Old Mac line ends would make every record line 1; inside quotes a CR is text.
        let path = temporaryFile("cr.csv", "a,b\r\n\"1\r\",x\r\n2,y\r3,z\r\n")
        #expect { try readAll(path) } throws: { error in
            "\(error)" == "\(path):3:4: error: a carriage return without a line feed: lines must end in LF or CRLF"
        }
    }

    @Test func anUnclosedQuoteStopsTheFileAtTheQuote() throws {
        let path = temporaryFile("unclosed.csv", "a,b\n1,\"never closed\n2,3\n")
        #expect { try readAll(path) } throws: { error in "\(error)" == "\(path):2:3: error: quoted field is never closed" }
    }

    @Test func aStrayQuoteSpoilsOnlyItsRecord() throws {
        let records = try readAll(temporaryFile("stray.csv", "a,b\n1,x\"y\n2,\"ok\"z\n3,4\n"))
        #expect(records.map(\.problem) == [nil, "stray quote in an unquoted field at column 4", "unexpected text after a closing quote at column 7", nil])
    }

    @Test func aMissingFileIsUnreadable() {
        #expect { try readAll("/nonexistent/fees.csv") } throws: { error in
            guard case IngestError.unreadable = error else { return false }
            return "\(error)" == "/nonexistent/fees.csv: error: cannot read file: no such file or directory"
        }
    }
}
