import FairRecruitCore
import Foundation
import Testing
@testable import FairRecruitCLI
@testable import FairRecruitReports

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots").path

/// Compares with the stored golden file; `FAIRRECRUIT_RECORD_SNAPSHOTS=1 swift test` re-records on purpose.
func assertSnapshot(_ text: String, named name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
    let path = snapshots + "/" + name
    if ProcessInfo.processInfo.environment["FAIRRECRUIT_RECORD_SNAPSHOTS"] == "1" {
        try FileManager.default.createDirectory(atPath: snapshots, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return
    }
    let stored = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text == stored, "\(name) differs from its snapshot; re-record with FAIRRECRUIT_RECORD_SNAPSHOTS=1 if the change is intended",
            sourceLocation: sourceLocation)
}

@Suite(.serialized) struct ReporterTests {
    /// The end-to-end fixture audit, run in process from the package root.
    func fixtureReport() throws -> AuditReport {
        _ = FileManager.default.changeCurrentDirectoryPath(root)
        let fixtures = "Tests/EndToEndTests/Fixtures"
        var config = AuditConfiguration(standards: ["\(fixtures)/e2e-standard.yaml"], asOf: Day(iso: "2026-06-30")!,
                                        output: FileManager.default.temporaryDirectory.appendingPathComponent("fairrecruit-reporter-\(UUID().uuidString)").path)
        config.fees = ["\(fixtures)/fees.csv"]
        config.assessments = ["\(fixtures)/answers.csv"]
        return try AuditPipeline(layout: ProjectLayout(root: ".")).run(config).report
    }

    /// The fixture audit with the policy answered yes, compared with `baseline.json` and scored with `waivers.yaml`.
    func progressReport() throws -> AuditReport {
        _ = FileManager.default.changeCurrentDirectoryPath(root)
        let fixtures = "Tests/EndToEndTests/Fixtures"
        var config = AuditConfiguration(standards: ["\(fixtures)/e2e-standard.yaml"], asOf: Day(iso: "2026-06-30")!,
                                        output: FileManager.default.temporaryDirectory.appendingPathComponent("fairrecruit-reporter-\(UUID().uuidString)").path)
        config.fees = ["\(fixtures)/fees.csv"]
        config.assessments = ["\(fixtures)/answers-policy-yes.csv"]
        config.baseline = "\(fixtures)/baseline.json"
        config.waivers = "\(fixtures)/waivers.yaml"
        return try AuditPipeline(layout: ProjectLayout(root: ".")).run(config).report
    }

    @Test func progressFieldsAreInBothReportsAsHandComputed() throws {
        let report = try progressReport()
        let r = report.result
        // no-fees (critical, 5) and receipts (major, 3) not met, policy (minor, 1) met: 2 halves / 18 → 11.1;
        // receipts waived: 2 / 12 → 16.7. A critical requirement not met: E either way.
        #expect(r.overallWithoutWaivers.score == ExactDecimal(parsing: "11.1"))
        #expect(r.overall.score == ExactDecimal(parsing: "16.7") && r.overall.rating == "E")
        #expect(r.progress?.scoreChange(r.overall.score) == ExactDecimal(parsing: "-3.3"))
        #expect(r.findings.map { $0.change } == [.unchanged, .new, .regressed])   // no-fees/1, no-fees/2 (claim), receipts/1
        #expect(r.findings[0].changeCounts == ChangeCounts(new: 1, unchanged: 1, fixed: 1))   // W2 new, W1 unchanged, W3 fixed
        #expect(r.progress?.fixedFindings.map(\.id) == ["e2e-zero-fee/policy/1"])
        #expect(r.progress?.waivers.map(\.status) == [.applied, .expired])
        let noFees = try #require(r.actions.first { $0.id == "e2e-zero-fee/no-fees" })
        #expect(noFees.firstDetected.description == "2026-02-28" && noFees.dueDate.description == "2026-03-30")
        #expect(noFees.state == .inProgress && noFees.overdue)
        let receipts = try #require(r.actions.first { $0.id == "e2e-zero-fee/receipts" })
        #expect(receipts.waived && !receipts.overdue && receipts.dueDate.description == "2026-09-28")
        try assertSnapshot(JSONReporter().render(report), named: "progress-report.json")
        try assertSnapshot(MarkdownReporter().render(report), named: "progress-report.md")
    }

    @Test func jsonReportMatchesItsSnapshot() throws {
        try assertSnapshot(JSONReporter().render(fixtureReport()), named: "fixture-report.json")
    }

    @Test func markdownReportMatchesItsSnapshot() throws {
        try assertSnapshot(MarkdownReporter().render(fixtureReport()), named: "fixture-report.md")
    }

    @Test func jsonIsSortedExactAndSafeToEmbed() {
        let value = JSONValue.object(["b": .number("10000.1"), "a": .string("<script>\"x\"\n"), "c": .array([]), "d": .null])
        #expect(value.serialized() == """
        {
          "a": "\\u003cscript\\u003e\\"x\\"\\n",
          "b": 10000.1,
          "c": [],
          "d": null
        }

        """)
    }

    @Test func everyByteToEscapeIsEscapedWhereverItFalls() throws {
        // The scan takes eight bytes at a time: put each character at every place in a string.
        for special in ["\"", "\\", "<", ">", "&", "\n", "\u{01}", "\u{1F}", "\u{2028}", "\u{2029}", "—", "é"] {
            for position in 0..<20 {
                let text = String(repeating: "a", count: position) + special + String(repeating: "b", count: 19 - position)
                let json = JSONValue.string(text).serialized()
                let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed) as? String
                #expect(parsed == text, "\(special.unicodeScalars.map(\.value)) at \(position)")
                #expect(!json.dropFirst().dropLast(2).contains { "<>&\n\u{2028}\u{2029}".contains($0) }, "\(json)")
            }
        }
    }

    @Test func markdownTextIsEscapedWhereverTheCharacterFalls() {
        // The scan takes eight bytes at a time: put each character at every place in a string.
        for special in ["|", "*", "_", "[", "]", "<", ">", "`", "\\", "#", "\n", "\r", "\t", "Y", "^", "é"] {
            for position in 0..<20 {
                let text = String(repeating: "a", count: position) + special + String(repeating: "b", count: 19 - position)
                var out = OutputBuffer()
                out.appendMarkdown(text)
                #expect(String(decoding: out.finish(), as: UTF8.self) == md(text), "\(special.unicodeScalars.map(\.value)) at \(position)")
            }
        }
    }

    @Test func numbersAndDatesAreWrittenAsTheirDescriptions() {
        let integers = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 12345, 99999, 100000, 1_000_000, 9_999_999_999, Int.max, -1, -10, Int.min]
        let amounts = [0, 1, 10, 999_999, 1_000_000, 1_500_000, 12_345_678_901, -2_500_000, 100_000_000_000_000_000].map { ExactDecimal(scaled: Int128($0)) }
        let days = [Day(year: 2026, month: 12, day: 31)!, Day(year: 1, month: 1, day: 1)!, Day(year: 999, month: 10, day: 9)!]
        for minimum in [0, 1, 2, 6] {
            var out = OutputBuffer()
            var expected = ""
            for value in integers { out.append(value); out.append(byte: UInt8(ascii: " ")); expected += "\(value) " }
            for value in amounts {
                out.append(value, minimumFractionDigits: minimum); out.append(byte: UInt8(ascii: " "))
                expected += value.formatted(minimumFractionDigits: minimum) + " "
            }
            for day in days { out.append(day); out.append(byte: UInt8(ascii: " ")); expected += "\(day) " }
            #expect(String(decoding: out.finish(), as: UTF8.self) == expected)
        }
    }

    @Test func recordCitationsAreWrittenOneToALine() {
        let text = String(decoding: JSONWriter.document { w in
            w.object { w in
                w.array("records") { w in
                    w.inlineObject { w in w.field("file", "a<b>.csv"); w.field("line", 7); w.field("recordId", nil as String?) }
                    w.inlineObject { _ in }
                }
            }
        }, as: UTF8.self)
        #expect(text == """
        {
          "records": [
            {"file": "a\\u003cb\\u003e.csv", "line": 7, "recordId": null},
            {}
          ]
        }

        """)
    }

    /// `recordCitation` must write the bytes `inlineObject` writes, escapes included, whether the
    /// file is the one cited just before or another.
    @Test func recordCitationWritesWhatInlineObjectWrites() {
        let files = ["/data/fees.csv", "/data/fees.csv", "", "a\"b\\c.csv", "/data/fees.csv",
                     "tab\there\n\u{1}\u{1F}<&>.csv", "été/中文/😀.csv", "sep\u{2028}\u{2029}—.csv", "tab\there\n\u{1}\u{1F}<&>.csv",
                     "\u{E9}.csv", "e\u{301}.csv"]   // equal as Strings, not as bytes
        let ids: [String?] = ["R00012344", nil, "", "q\"uote\\", "\u{0}\u{7F}é", "a\u{2028}—b", "<script>&", String(repeating: "x", count: 40), "R1", "R2", "R3"]
        let lines = [0, 9, 10, 99_999_999, 12_345, 1, 100, Int.max, -1, 2, 3]
        // Compared as bytes: String's == would let a differently normalized "é" through.
        func citations(_ cite: (inout JSONWriter, String, Int, String?) -> Void) -> [UInt8] {
            JSONWriter.document { w in
                w.object { w in
                    w.array("records") { w in
                        for (file, (line, id)) in zip(files, zip(lines, ids)) { cite(&w, file, line, id) }
                    }
                    w.key("single"); cite(&w, files[3], 7, ids[3])
                }
            }
        }
        let generic = citations { w, file, line, id in
            w.inlineObject { w in w.field("file", file); w.field("line", line); w.field("recordId", id) }
        }
        let direct = citations { w, file, line, id in w.recordCitation(file: file, line: line, recordID: id) }
        #expect(direct == generic)
        #expect(String(decoding: generic, as: UTF8.self).contains(#"{"file": "a\"b\\c.csv", "line": 99999999, "recordId": "q\"uote\\"},"#))
    }

    @Test func markdownEscapesInputDerivedText() {
        #expect(md("a|b*c_d[e]<f>`g`\\h#i\nj") == "a\\|b\\*c\\_d\\[e\\]\\<f\\>\\`g\\`\\\\h\\#i j")
    }
}

/// The JSON Schema in Docs/ must describe the report as written: every field documented, every
/// required field present. A small structural check, enough to catch a stale schema.
@Suite(.serialized) struct ReportSchemaTests {
    func problems(_ value: Any, _ schema: [String: Any], path: String) -> [String] {
        var found: [String] = []
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for key in object.keys where properties[key] == nil && (schema["additionalProperties"] as? Bool) == false {
                found.append("\(path).\(key) is not in the schema")
            }
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { found.append("\(path).\(key) is missing") }
            for (key, child) in object { if let sub = properties[key] as? [String: Any] { found += problems(child, sub, path: "\(path).\(key)") } }
        } else if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, item) in array.enumerated() { found += problems(item, items, path: "\(path)[\(index)]") }
        }
        return found
    }

    @Test func theSchemaDescribesTheReport() throws {
        let schemaData = try Data(contentsOf: URL(fileURLWithPath: root + "/Docs/report.schema.json"))
        let schema = try JSONSerialization.jsonObject(with: schemaData) as! [String: Any]
        let report = try JSONSerialization.jsonObject(with: Data(JSONReporter().render(ReporterTests().fixtureReport()).utf8))
        #expect(problems(report, schema, path: "report") == [])
        let progress = try JSONSerialization.jsonObject(with: Data(JSONReporter().render(ReporterTests().progressReport()).utf8))
        #expect(problems(progress, schema, path: "report") == [])
    }
}
