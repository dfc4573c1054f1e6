import FairRecruitCore
import Testing
@testable import FairRecruitIngest

/// Rows as a sequential reader gives them, and as the segmented reader gives them with segments
/// so small that cuts fall everywhere, including inside quoted fields that span lines.
private func bothWays(_ text: String, segmentSize: Int = 48) throws -> (sequential: [String], parallel: [String]) {
    let path = temporaryFile("segments-\(segmentSize)-\(text.utf8.count).csv", text)
    @Sendable func describe(_ row: RawRow) -> (Int, String) {
        (row.line, "|\(row.problem ?? "")|" + (0..<3).map { row.values[$0].map { String(decoding: $0, as: UTF8.self) } ?? "-" }.joined(separator: "|"))
    }
    var sequential: [String] = []
    let one = try CSVRowReader(path: path, known: ["a", "b", "c"], required: ["a"])
    while try one.nextRow({ let (line, rest) = describe($0); sequential.append("\(line)\(rest)") }) {}
    var parallel: [String] = []
    try CSVRowReader(path: path, known: ["a", "b", "c"], required: ["a"]).readAll(segmentSize: segmentSize, checking: { { $1.initialize(to: describe($0)) } }) { row, lines in
        parallel.append("\(row.pointee.0 + lines)\(row.pointee.1)")
    }
    return (sequential, parallel)
}

@Suite struct ParallelReadingTests {
    @Test func segmentedRowsAreTheSequentialRowsInOrder() throws {
        var text = "a,b,c\n"
        for i in 1...400 { text += "A\(i),\(i * 7),plain\n" }
        let (sequential, parallel) = try bothWays(text)
        #expect(sequential.count == 400)
        #expect(parallel == sequential)
        #expect(parallel.last == "401||A400|2800|plain")
    }

    @Test func aQuotedFieldAcrossACutIsReadSequentiallyFromItsRecord() throws {
        var text = "a,b,c\n"
        for i in 1...300 {
            text += i % 37 == 0 ? "A\(i),\"two\nlines, \"\"quoted\"\"\",x\n" : i % 53 == 0 ? "A\(i),stray\"quote,y\n" : "A\(i),\(i),z\n"
        }
        for size in [40, 64, 97, 200] {
            let (sequential, parallel) = try bothWays(text, segmentSize: size)
            #expect(parallel == sequential, "segment size \(size)")
        }
        let (sequential, _) = try bothWays(text)
        #expect(sequential.contains("38||A37|two\nlines, \"quoted\"|x"))
    }

    @Test func anErrorInALaterSegmentKeepsItsLineInTheFile() throws {
        var text = "a,b,c\n"
        for i in 1...200 { text += "A\(i),\(i),z\n" }
        let path = temporaryFile("segments-bad-utf8.csv", Array(text.utf8) + [0x41, 0x2C, 0xFF, 0x0A])
        var rows = 0
        #expect { try CSVRowReader(path: path, known: ["a", "b", "c"], required: ["a"]).readAll(segmentSize: 64, checking: { { $1.initialize(to: 1) } }) { _, _ in rows += 1 } } throws: { error in
            "\(error)" == "\(path):202:3: error: invalid UTF-8 (the file must be UTF-8, or UTF-16 with a byte-order mark)"
        }
        #expect(rows == 200)
    }
}

/// The same for XML: rows read sequentially, and in segments parsed on their own.
private func bothWaysXML(_ text: String, segmentSize: Int) throws -> (sequential: [String], parallel: [String]) {
    let path = temporaryFile("segments-\(segmentSize)-\(text.utf8.count).xml", text)
    @Sendable func describe(_ row: RawRow) -> (Int, String) {
        (row.line, "|\(row.problem ?? "")|" + [0, 1, 5].map { row.values[$0].map { String(decoding: $0, as: UTF8.self) } ?? "-" }.joined(separator: "|"))
    }
    let reader = XMLRowReader(path: path, kind: .feeRecords, known: FeeColumns.all)
    var sequential: [String] = []
    try reader.read { let (line, rest) = describe($0); sequential.append("\(line)\(rest)") }
    var parallel: [String] = []
    try reader.readAll(segmentSize: segmentSize, checking: { { $1.initialize(to: describe($0)) } }) { row, lines in parallel.append("\(row.pointee.0 + lines)\(row.pointee.1)") }
    return (sequential, parallel)
}

extension ParallelReadingTests {
    @Test func xmlSegmentsGiveTheSequentialRowsEvenWhenACutFallsInAComment() throws {
        var text = "<?xml version=\"1.0\"?>\n<feeRecords>\n"
        for i in 1...300 {
            if i % 41 == 0 { text += "  <!-- a comment\n  <fee agency_id=\"X\" worker_id=\"ignored\" amount=\"1\"/>\n  -->\n" }
            if i % 67 == 0 { text += "  <fee>\n    <agency_id>A\(i)</agency_id><worker_id>W\(i)</worker_id>\n    <amount>\(i)</amount>\n  </fee>\n"; continue }
            text += "  <fee agency_id=\"A\(i)\" worker_id=\"W\(i)\" amount=\"\(i).50\"/>\n"
        }
        text += "</feeRecords>\n"
        for size in [64, 150, 333, 1000] {
            let (sequential, parallel) = try bothWaysXML(text, segmentSize: size)
            #expect(sequential.count == 300)
            #expect(parallel == sequential, "segment size \(size)")
        }
    }

    @Test func xmlSegmentsReadAnAmpersandInAnAttributeAsOne() throws {
        var text = "<feeRecords>\n"
        for i in 1...200 {
            if i % 7 == 0 { text += "<fee agency_id=\"A&amp;\(i)\" worker_id=\"W&#38;\(i)\"><amount>&amp;#38;\(i)</amount></fee>\n"; continue }
            text += "<fee agency_id=\"A&amp;\(i)\" worker_id=\"W&#x26;&amp;#38;\(i)\" amount=\"\(i)\"/>\n"
        }
        text += "</feeRecords>\n"
        for size in [100, 1000] {
            let (sequential, parallel) = try bothWaysXML(text, segmentSize: size)
            #expect(sequential.count == 200)
            #expect(sequential[0] == "2||A&1|W&&#38;1|1" && sequential[6] == "8||A&7|W&7|&#38;7", "\(sequential[0]) \(sequential[6])")
            #expect(parallel == sequential, "segment size \(size)")
        }
    }

    @Test func anXMLErrorInALaterSegmentKeepsItsLineInTheFile() throws {
        var text = "<feeRecords>\n"
        for i in 1...200 { text += "<fee agency_id=\"A\(i)\" amount=\"\(i)\"/>\n" }
        text += "<fee agency_id=\"B\" amount=\"1\">\n</feeRecords>\n"
        let path = temporaryFile("segments-bad.xml", text)
        var rows = 0
        #expect { try XMLRowReader(path: path, kind: .feeRecords, known: FeeColumns.all).readAll(segmentSize: 100, checking: { { $1.initialize(to: 1) } }) { _, _ in rows += 1 } } throws: { error in
            "\(error)".hasPrefix("\(path):203:") && "\(error)".contains("mismatch")
        }
        #expect(rows == 200)
    }
}

@Suite struct FeeStoreTests {
    @Test func aStoredRecordTakes40Bytes() {
        // The batch's memory budget rests on it: 10 million records in 400 MB.
        #expect(MemoryLayout<StoredFee>.stride == 40)
    }

    @Test func aStoredPlacementTakes80Bytes() {
        // A 10M batch holds 1.25 million of them; the numbers in their agency fill padding.
        #expect(MemoryLayout<StoredPlacement>.stride == 80)
    }
}
