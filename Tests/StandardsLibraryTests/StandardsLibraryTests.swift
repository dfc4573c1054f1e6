import FairRecruitCore
import FairRecruitIngest
import FairRecruitStandards
import Foundation
import Testing
@testable import FairRecruitCLI

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// The library as the tool loads it from the repository.
private func library() throws -> (StandardsLibrary, ExchangeRates, AuditPipeline) {
    let pipeline = AuditPipeline(layout: ProjectLayout(root: root))
    let rates = try pipeline.loadRates(nil)
    return (try pipeline.loadLibrary(directories: [], files: [], rates: rates), rates, pipeline)
}

private func exampleFiles() -> [String] {
    let folder = root + "/Standards/examples"
    return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        .map { folder + "/" + $0 }
}

@Suite struct StandardsLibraryTests {
    @Test func everyStandardValidates() throws {
        let (library, _, _) = try library()
        #expect(library.diagnostics.map(\.description) == [])
        #expect(library.standards.count >= 2)
    }

    @Test(arguments: exampleFiles())
    func everyWorkedExamplePasses(file: String) throws {
        let (library, rates, _) = try library()
        let examples = try StandardExamples.load(file)
        for outcome in examples.run(library: library, rates: rates) where !outcome.passed {
            Issue.record("\(file):\(outcome.example.line) \(outcome.standard)/\(outcome.example.requirement) \"\(outcome.example.name)\": \(outcome.problem!)")
        }
    }

    @Test func everyRequirementHasAPassingAndAFailingExample() throws {
        let (library, _, _) = try library()
        var covered: [String: Set<Status>] = [:]
        for file in exampleFiles() {
            let examples = try StandardExamples.load(file)
            for example in examples.cases { covered["\(examples.standard)/\(example.requirement)", default: []].insert(example.expect) }
        }
        var missing: [String] = []
        for standard in library.standards {
            for requirement in standard.requirements {
                let statuses = covered["\(standard.id)/\(requirement.id)"] ?? []
                if !statuses.contains(.met) || statuses.isDisjoint(with: [.notMet, .partiallyMet]) {
                    missing.append("\(standard.id)/\(requirement.id)")
                }
            }
        }
        #expect(missing == [])
    }

    /// Every numeric cap must be traceable to its line in the standards brief or its verification
    /// addendum: the cap line carries a comment naming the section and row.
    @Test func everyCapCitesItsSourceLine() throws {
        let folder = root + "/Standards"
        var untraced: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() where name.hasSuffix(".yaml") {
            let lines = try String(contentsOfFile: folder + "/" + name, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            for (index, line) in lines.enumerated() where line.contains("cap: {") || line.contains("cap:{") {
                let comment = line.split(separator: "#", maxSplits: 1).dropFirst().first ?? ""
                if !(comment.contains("brief") || comment.contains("verification.md")) { untraced.append("\(name):\(index + 1)") }
            }
        }
        #expect(untraced == [])
    }

    @Test func theCrosswalkDocumentIsFresh() throws {
        let (library, _, _) = try library()
        let generated = Crosswalk.markdown(library.standards, references: library.tables.references)
        let stored = try String(contentsOfFile: root + "/Docs/crosswalk.md", encoding: .utf8)
        #expect(generated == stored, "Docs/crosswalk.md is stale: run 'swift run fairrecruit standards crosswalk --output Docs/crosswalk.md'")
    }

    @Test func theShippedQuestionnairesAreFresh() throws {
        let (library, _, _) = try library()
        let folder = root + "/Templates/questionnaires"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".csv") || $0.hasSuffix(".xml") }
        for name in names {
            // The file name is the standard ids joined by '+'.
            let base = (name as NSString).deletingPathExtension
            let standards = try AuditPipeline.select(base.split(separator: "+").map(String.init), from: library)
            let questionnaire = Questionnaire(standards)
            let stored = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            #expect(stored == (name.hasSuffix(".xml") ? questionnaire.xml() : questionnaire.csv()), "Templates/questionnaires/\(name) is stale")
        }
    }

    @Test func aSharedQuestionIsAskedOnceAndItsAnswersReadBack() throws {
        let (library, _, _) = try library()
        let standards = try AuditPipeline.select(["employer-pays", "np-fvft-2015"], from: library)
        let questionnaire = Questionnaire(standards)
        let ids = questionnaire.items.map(\.question.id)
        #expect(Set(ids).count == ids.count)
        let shared = try #require(questionnaire.items.first { $0.question.id == "NO-WAGE-DEDUCTION-FOR-FEES" })
        #expect(shared.askedBy.count == 2)
        // The blank, once an agency fills it in, is a valid self-assessment input.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("questionnaire-\(UUID().uuidString).csv").path
        try Data(questionnaire.csv(agency: "AG-1").utf8).write(to: URL(fileURLWithPath: path))
        let book = AnswerBook(questions: library.questions, agencyFilter: nil)
        try book.readCSV(path)
        #expect(book.files[0].rejections.isEmpty)
        #expect(book.files[0].rowsRead == ids.count)
    }
}
