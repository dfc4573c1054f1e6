import FairRecruitCore
import Foundation
import Testing
@testable import FairRecruitIngest

private func rows(_ name: String, _ bytes: [UInt8], kind: XMLRowReader.Kind = .feeRecords) throws -> [FieldRow] {
    var rows: [FieldRow] = []
    let known = kind == .feeRecords ? FeeColumns.all : AnswerColumns.all
    try XMLRowReader(path: temporaryFile(name, bytes), kind: kind, known: known).read { rows.append(FieldRow($0, known: known)) }
    return rows
}

private func rows(_ name: String, _ text: String, kind: XMLRowReader.Kind = .feeRecords) throws -> [FieldRow] {
    try rows(name, Array(text.utf8), kind: kind)
}

/// The message of the error `body` throws, or nil.
private func failure(_ body: () throws -> Void) -> String? {
    do { try body(); return nil } catch { return "\(error)" }
}

@Suite struct XMLRowReaderTests {
    @Test func fieldsComeFromAttributesOrChildrenWhateverTheirCase() throws {
        let result = try rows("fees.xml", """
        <?xml version="1.0"?>
        <FeeRecords>
          <fee Agency_ID="A1" worker_id="W1" passport_no="P123"><AMOUNT>100.50</AMOUNT><description>a &amp; b</description></fee>
          <fee agency_id="A1"><![CDATA[ignored]]></fee>
        </FeeRecords>
        """)
        #expect(result.count == 2)
        #expect(result[0].values == ["agency_id": "A1", "worker_id": "W1", "amount": "100.50", "description": "a & b"])
        #expect(result[0].location.line == 3)
        #expect(result[0].problem == nil)
    }

    @Test func aFieldGivenTwiceOrAnUnexpectedElementSpoilsOnlyItsRow() throws {
        let result = try rows("twice.xml", """
        <feeRecords>
        <fee agency_id="A1"><agency_id>A2</agency_id></fee>
        <payment agency_id="A1"/>
        <fee agency_id="A1"><amount><value>1</value></amount></fee>
        <fee agency_id="A1"/>
        </feeRecords>
        """)
        #expect(result.map(\.problem) == ["field 'agency_id' is given twice", "unexpected element <payment>, expected <fee>",
                                          "unexpected element <value> inside <amount>", nil])
    }

    /// Nothing inside a row is passed over unseen: a row inside a row and attributes on a field's
    /// element spoil the row; an unknown element, like an unknown column, is dropped.
    @Test func aNestedRowOrAttributesOnAFieldSpoilTheRow() throws {
        let result = try rows("nested.xml", """
        <feeRecords>
        <fee agency_id="A1" amount="10"><fee agency_id="A1" amount="20"/></fee>
        <fee agency_id="A1"><amount currency="USD">10</amount></fee>
        <fee agency_id="A1"><amount>10</amount><note lang="en">x</note></fee>
        </feeRecords>
        """)
        #expect(result.map(\.problem) == ["a <fee> inside a <fee>: rows cannot be nested",
                                          "attributes on <amount> are not read: the element's text is the field's value", nil])
        #expect(result[2].values["amount"] == "10")
        let answers = try rows("nested-answers.xml", """
        <selfAssessment agency="A1"><answer question="Q1" value="yes"><answer question="Q2" value="no"/></answer></selfAssessment>
        """, kind: .selfAssessments)
        #expect(answers.map(\.problem) == ["a <answer> inside a <answer>: rows cannot be nested"])
    }

    @Test func aBlankFieldGivenAgainIsStillGivenTwice() throws {
        let result = try rows("blank-twice.xml", """
        <feeRecords>
        <fee agency_id="  "><agency_id>A2</agency_id></fee>
        <fee agency_id="A1"><amount> </amount><amount>5</amount></fee>
        <fee agency_id=" A3 " amount=""/>
        <fee agency_id="" AGENCY_ID="A4"/>
        </feeRecords>
        """)
        #expect(result.map(\.problem) == ["field 'agency_id' is given twice", "field 'amount' is given twice", nil, "field 'agency_id' is given twice"])
        #expect(result.map(\.values) == [["agency_id": "A2"], ["agency_id": "A1", "amount": "5"], ["agency_id": "A3"], ["agency_id": "A4"]])
    }

    @Test func anEmptyValueFirstInTheFileIsRead() throws {
        // An empty value copied before any other once stopped the reader (nothing was allocated yet).
        let copied = try rows("empty-first.xml", "<feeRecords>\n<fee agency_id=\"\" amount=\"5\"><currency>NPR</currency></fee>\n</feeRecords>\n")
        #expect(copied.map(\.values) == [["amount": "5", "currency": "NPR"]])
        let inPlace = try rows("empty-first-in-place.xml", "<feeRecords>\n<fee agency_id=\"\" amount=\"5\"/>\n</feeRecords>\n")
        #expect(inPlace.map(\.values) == [["amount": "5"]])
    }

    @Test func longValuesAndManyRowsKeepEveryValue() throws {
        // Rows whose values outgrow the memory they are copied into, before and after the attributes.
        var text = "<feeRecords>\n"
        for i in 0..<50 {
            let long = String(repeating: "d\(i)", count: 40 * i)
            text += "<fee agency_id=\"A\(i)\" description=\"\(long)\" employer=\"E\(i)\"><occupation>\(long)o</occupation><sector>S\(i)</sector></fee>\n"
        }
        text += "</feeRecords>\n"
        let result = try rows("long.xml", text)
        #expect(result.count == 50)
        for (i, row) in result.enumerated() {
            let long = String(repeating: "d\(i)", count: 40 * i)
            var expected = ["agency_id": "A\(i)", "employer": "E\(i)", "occupation": long + "o", "sector": "S\(i)"]
            if !long.isEmpty { expected["description"] = long }
            #expect(row.values == expected)
            #expect(row.location.line == i + 2)
        }
    }

    @Test func aRowIsCitedAtTheLineItsStartTagBegins() throws {
        let result = try rows("multiline.xml", """
        <feeRecords>
          <fee agency_id="A1"
               worker_id="W1"
               amount="1"/>
          <fee agency_id="A1" worker_id="W2"
               amount="oops">
            <employer>Hotel</employer>
          </fee><fee agency_id="A1"
                     worker_id="W3"/>
          <!-- a comment
               over lines --><fee agency_id="A1" worker_id="W4"/>
          <fee agency_id="A1" worker_id="W5"/>
        </feeRecords>
        """)
        #expect(result.map(\.location.line) == [2, 5, 8, 11, 12])
    }

    @Test func selfAssessmentsCarryTheAgencyAndItsName() throws {
        let reader = XMLRowReader(path: temporaryFile("answers.xml", """
        <selfAssessments>
          <selfAssessment agency="A1" name="Agency One"><answer question="Q1" value="yes"><evidence>e.pdf</evidence><comment>c</comment></answer></selfAssessment>
          <selfAssessment agency="A2"><answer question="Q2"><value>no</value></answer><answer question="Q3" value="n/a"/></selfAssessment>
          <selfAssessment agency="A3"><answer question="Q4" value="yes" agency_id="A9"/><answers question="Q5"/></selfAssessment>
          <selfAssessment agency="A4"><answer question="Q6" value="yes" agency_id="A4"/><answer question="Q7"><agency_id>A8</agency_id></answer></selfAssessment>
        </selfAssessments>
        """), kind: .selfAssessments, known: AnswerColumns.all)
        var result: [FieldRow] = []
        try reader.read { result.append(FieldRow($0, known: AnswerColumns.all)) }
        #expect(result.map(\.values) == [
            ["agency_id": "A1", "question_id": "Q1", "answer": "yes", "evidence": "e.pdf", "comment": "c"],
            ["agency_id": "A2", "question_id": "Q2", "answer": "no"],
            ["agency_id": "A2", "question_id": "Q3", "answer": "n/a"],
            ["agency_id": "A3", "question_id": "Q4", "answer": "yes"],
            ["agency_id": "A3", "question_id": "Q5"],
            ["agency_id": "A4", "question_id": "Q6", "answer": "yes"],
            ["agency_id": "A4", "question_id": "Q7"],
        ])
        // An answer naming another agency is that of its <selfAssessment>, and rejected.
        #expect(result.map(\.problem) == [nil, nil, nil, "agency_id 'A9' differs from the agency of its <selfAssessment>, 'A3'",
                                          "unexpected element <answers>, expected <answer>", nil,
                                          "agency_id 'A8' differs from the agency of its <selfAssessment>, 'A4'"])
        #expect(reader.agencyNames == ["A1": "Agency One"])
    }

    /// Attribute values with every way of writing an ampersand, and what each must read as.
    static let ampersands: [(column: String, xml: String, value: String)] = [
        ("agency_id", "A&amp;1", "A&1"),
        ("worker_id", "W&#38;1", "W&1"),
        ("employer", "A &#x26; B", "A & B"),
        ("description", "&amp;#38;", "&#38;"),   // the text `&#38;`, not an ampersand
        ("occupation", "&amp;", "&"),
        ("sector", "a&amp;b&#38;c&#x26;&amp;d &amp;amp; &#38;#x26;", "a&b&c&&d &amp; &#x26;"),
        ("origin", "&lt;&gt;&quot;&apos;&#233;", "<>\"'é"),
        ("destination", " &amp; ", "&"),
        ("category", "plain", "plain"),
    ]

    @Test func anAmpersandInAnAttributeIsReadAsOneInASelfClosingRow() throws {
        let attributes = Self.ampersands.map { "\($0.column)=\"\($0.xml)\"" }.joined(separator: " ")
        let result = try rows("amp-row.xml", "<feeRecords>\n<fee \(attributes)/>\n<fee agency_id=\"&amp;\" amount=\"1\"/>\n</feeRecords>\n")
        #expect(result.map(\.values) == [Dictionary(uniqueKeysWithValues: Self.ampersands.map { ($0.column, $0.value) }), ["agency_id": "&", "amount": "1"]])
        #expect(result.map(\.problem) == [nil, nil])
        #expect(result.map(\.location.line) == [2, 3])
    }

    @Test func anAmpersandInAnAttributeIsReadAsOneInARowWithChildElements() throws {
        let attributes = Self.ampersands.map { "\($0.column)=\"\($0.xml)\"" }.joined(separator: " ")
        let long = String(repeating: "x&amp;y", count: 400)   // outgrows the memory values are copied into
        let result = try rows("amp-children.xml", """
        <feeRecords>
        <fee \(attributes)><amount>1</amount><currency>N&amp;R &#38; &amp;#38;</currency></fee>
        <fee agency_id="&amp;" repays="\(long)"><record_id>&amp;</record_id><employer>\(long)</employer></fee>
        </feeRecords>
        """)
        var first = Dictionary(uniqueKeysWithValues: Self.ampersands.map { ($0.column, $0.value) })
        first["amount"] = "1"
        first["currency"] = "N&R & &#38;"   // text content comes decoded from libxml2
        let plainLong = String(repeating: "x&y", count: 400)
        #expect(result.map(\.values) == [first, ["agency_id": "&", "repays": plainLong, "record_id": "&", "employer": plainLong]])
        #expect(result.map(\.problem) == [nil, nil])
    }

    @Test func anAmpersandInASelfAssessmentIsReadAsOne() throws {
        let reader = XMLRowReader(path: temporaryFile("amp-answers.xml", """
        <selfAssessments>
          <selfAssessment agency="A&amp;1" name="Smith &amp; Sons &#38; Co. &amp;#38;"><answer question="Q&#x26;1" value="yes"><comment>c &amp; d</comment></answer><answer question="Q2" value="&amp;" evidence="e&amp;f.pdf"/></selfAssessment>
          <selfAssessment agency_id="&amp;" name="&amp;"><answer question="Q3" value="no" comment="&amp;#38;&amp;"/></selfAssessment>
        </selfAssessments>
        """), kind: .selfAssessments, known: AnswerColumns.all)
        var result: [FieldRow] = []
        try reader.read { result.append(FieldRow($0, known: AnswerColumns.all)) }
        #expect(result.map(\.values) == [
            ["agency_id": "A&1", "question_id": "Q&1", "answer": "yes", "comment": "c & d"],
            ["agency_id": "A&1", "question_id": "Q2", "answer": "&", "evidence": "e&f.pdf"],
            ["agency_id": "&", "question_id": "Q3", "answer": "no", "comment": "&#38;&"],
        ])
        #expect(reader.agencyNames == ["A&1": "Smith & Sons & Co. &#38;", "&": "&"])
    }

    @Test func anErrorAfterAnAmpersandKeepsItsLineAndColumn() {
        let message = failure { _ = try rows("amp-error.xml", "<feeRecords>\n<fee agency_id=\"A&amp;1\" worker_id=\"&nope;\"/></feeRecords>") }
        #expect(message?.contains("amp-error.xml:2:43:") == true, "\(message ?? "")")
    }

    @Test func anExternalEntityIsRefusedAndTheFileItNamesNeverRead() throws {
        let secret = temporaryFile("secret.txt", "TOP-SECRET-CONTENT")
        let message = failure {
            _ = try rows("xxe.xml", """
            <?xml version="1.0"?>
            <!DOCTYPE feeRecords [ <!ENTITY xxe SYSTEM "file://\(secret)"> ]>
            <feeRecords><fee agency_id="&xxe;"/></feeRecords>
            """)
        }
        #expect(message?.contains("xxe.xml:2:") == true)
        #expect(message?.contains("DOCTYPE") == true)
        #expect(message?.contains("TOP-SECRET") == false)
    }

    @Test func aBillionLaughsDocumentIsRefusedAtOnce() throws {
        var entities = "<!ENTITY lol \"lol\">"
        for i in 1...9 { entities += "<!ENTITY lol\(i) \"" + String(repeating: "&lol\(i == 1 ? "" : String(i - 1));", count: 10) + "\">" }
        let start = Date()
        let message = failure { _ = try rows("laughs.xml", "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\(entities)]>\n<feeRecords><fee agency_id=\"&lol9;\"/></feeRecords>") }
        #expect(message?.contains("DOCTYPE") == true)
        #expect(Date().timeIntervalSince(start) < 2)
    }

    @Test func anUndeclaredEntityIsAnError() {
        #expect(failure { _ = try rows("entity.xml", "<feeRecords>\n<fee agency_id=\"&nope;\"/></feeRecords>") }?.contains("entity.xml:2:") == true)
    }

    @Test func deepNestingIsBounded() {
        let deep = "<feeRecords>" + String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000) + "</feeRecords>"
        #expect(failure { _ = try rows("deep.xml", deep) }?.hasSuffix("error: elements are nested deeper than 16 levels") == true)
    }

    @Test func aTruncatedFileStopsWithItsLocation() {
        let message = failure { _ = try rows("truncated.xml", "<feeRecords>\n<fee agency_id=\"A1\"/>\n<fee agency_id=\"A") }
        #expect(message?.contains("truncated.xml:3:") == true)
        #expect(message?.contains("invalid XML: the file ends before its document does (cut short?)") == true)
        // Cut between rows: libxml2 alone says "extra content at the end of the document".
        let betweenRows = failure { _ = try rows("cut.xml", "<feeRecords>\n<fee agency_id=\"A1\"/>\n") }
        #expect(betweenRows?.contains("cut.xml:2:22: error: invalid XML: the file ends before its document does (cut short?)") == true,
                "\(betweenRows ?? "no error")")
        // An error inside a complete document is told as libxml2 tells it.
        let inside = failure { _ = try rows("inside.xml", "<feeRecords>\n<fee agency_id=\"A1\" agency_id=\"A2\"/>\n</feeRecords>\n") }
        #expect(inside?.contains("cut short") == false)
        #expect(inside?.contains("invalid XML: attribute agency_id redefined") == true, "\(inside ?? "no error")")
    }

    @Test func encodingsFollowTheSameRulesAsCSV() throws {
        let text = "<feeRecords><fee agency_id=\"Ñandú\"/></feeRecords>"
        #expect(try rows("bom.xml", [0xEF, 0xBB, 0xBF] + Array(text.utf8)).first?.values["agency_id"] == "Ñandú")
        var utf16: [UInt8] = [0xFE, 0xFF]
        for unit in ("<?xml version=\"1.0\" encoding=\"UTF-16\"?>" + text).utf16 { utf16 += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
        #expect(try rows("utf16.xml", utf16).first?.values["agency_id"] == "Ñandú")
        // Latin-1 is refused even when the document declares it.
        let latin1 = Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<feeRecords><fee agency_id=\"".utf8) + [0xD1] + Array("\"/></feeRecords>".utf8)
        let message = failure { _ = try rows("latin1.xml", latin1) }
        #expect(message?.contains("latin1.xml:2:") == true)
        #expect(message?.contains("UTF-8") == true)
        // UTF-16 without a byte-order mark is refused at its first NUL byte, although libxml2
        // would recognise it.
        var littleEndian: [UInt8] = [], bigEndian: [UInt8] = []
        for unit in text.utf16 { littleEndian += [UInt8(unit & 0xFF), UInt8(unit >> 8)]; bigEndian += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
        #expect(failure { _ = try rows("le.xml", littleEndian) }?.hasSuffix("le.xml:1:2: error: NUL byte: not UTF-8 text (the file must be UTF-8, or UTF-16 with a byte-order mark)") == true)
        #expect(failure { _ = try rows("be.xml", bigEndian) }?.contains("be.xml:1:1: error: NUL byte") == true)
    }

    @Test func theWrongDocumentIsAFileError() {
        #expect(failure { _ = try rows("wrong.xml", "<selfAssessment/>") }?.hasSuffix("error: expected a <feeRecords> document, found <selfassessment>") == true)
        #expect(failure { _ = try rows("empty.xml", "") }?.hasSuffix("error: the file is empty") == true)
    }
}
