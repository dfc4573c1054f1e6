import Foundation
import Testing
@testable import FairRecruitStandards
import FairRecruitCore

/// Paths relative to the package root, as users type them, so messages can be compared exactly.
private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
private let fixtures = "Tests/FairRecruitStandardsTests/Fixtures"

private func load(_ names: [String], directories: [String] = []) throws -> StandardsLibrary {
    _ = FileManager.default.changeCurrentDirectoryPath(root)
    return try StandardsLibrary.load(tablesDirectory: "Standards", directories: directories,
                                     files: names.map { "\(fixtures)/\($0).yaml" }, currencies: ["NPR", "MYR", "QAR", "USD"])
}

private func messages(_ names: String...) throws -> [String] {
    try load(names).diagnostics.map(\.description)
}

@Suite(.serialized) struct StandardValidationTests {
    @Test func aValidStandardLoadsWithEveryFieldResolved() throws {
        let library = try load(["valid-minimal"])
        #expect(library.diagnostics.isEmpty)
        let standard = try #require(library.standard("valid-minimal"))
        #expect(standard.kind == .corporate)
        #expect(standard.scope.destination == ["MY", "QA"])
        #expect(standard.sha256.count == 64)
        let requirement = standard.requirements[0]
        #expect(requirement.weight == 5)                       // critical default
        #expect(requirement.scope.occupations == ["domestic_worker"])   // synonym resolved
        #expect(requirement.effective.from?.description == "2015-07-06")
        #expect(requirement.checks[0].when == .init(question: "TEST-REFUSED", answer: "yes"))
        #expect(library.questions["TEST-REFUSED"]?.expect == .unscored)
    }

    @Test func unknownKeysRulesAndCategoriesAreReportedTogetherWithSuggestions() throws {
        #expect(try messages("unknown-keys") == [
            "\(fixtures)/unknown-keys.yaml:14:5: error: unknown key 'severty' in a requirement; did you mean 'severity'?",
            "\(fixtures)/unknown-keys.yaml:17:9: error: unknown key 'feez' in a check; did you mean 'fees'?",
            "\(fixtures)/unknown-keys.yaml:18:22: error: unknown fee rule 'none_paid_by_workers'; expected one of none_paid_by_worker, cap, prohibited, receipts, refund_within_days, no_wage_deduction, not_before_contract; did you mean 'none_paid_by_worker'?",
            "\(fixtures)/unknown-keys.yaml:18:57: error: unknown fee category 'recruitment_fees'; did you mean 'recruitment_fee'?",
            "\(fixtures)/unknown-keys.yaml:18:76: error: unknown key 'refund_windw_days' in a fee check; did you mean 'refund_window_days'?",
        ])
    }

    @Test func typeAndRangeErrorsNameTheKeyAndTheValue() throws {
        #expect(try messages("type-errors") == [
            "\(fixtures)/type-errors.yaml:2:5: error: standard id 'Type_Errors' must be lowercase kebab-case (e.g. np-fvft-2015)",
            "\(fixtures)/type-errors.yaml:7:7: error: unknown kind 'goverment'; expected one of international, national, industry, corporate",
            "\(fixtures)/type-errors.yaml:12:16: error: unknown principle 'feez'; did you mean 'fees'?",
            "\(fixtures)/type-errors.yaml:13:12: error: expected text for 'title', found a list",
            "\(fixtures)/type-errors.yaml:15:13: error: expected a whole number for 'weight', found 'heavy'",
            "\(fixtures)/type-errors.yaml:16:20: error: 'deadline_days' must be between 1 and 3650, found 0",
            "\(fixtures)/type-errors.yaml:17:18: error: unknown reference 'ILO-GP-77'; did you mean 'ILO-GP-7'?",
            "\(fixtures)/type-errors.yaml:18:15: error: expected true or false for 'verified', found 'maybe'",
            "\(fixtures)/type-errors.yaml:19:23: error: expected a date (YYYY-MM-DD) for 'from', found '2020-02-30'",
            "\(fixtures)/type-errors.yaml:21:48: error: unknown answer type 'yes_or_no'; expected one of yes_no, yes_partial_no, number, date, text",
            "\(fixtures)/type-errors.yaml:22:71: error: expected a mapping for expect, found a scalar",
            "\(fixtures)/type-errors.yaml:25:12: error: unknown owner 'everyone'; expected one of agency, employer, both",
        ])
    }

    /// §3.2 writes the rule `refund_within_days: N`; `days: N`, the earlier spelling, is still read.
    @Test func refundDeadlinesAreReadInTheContractsSpellingAndTheEarlierOne() throws {
        let library = try load(["refund-days"])
        #expect(library.diagnostics.isEmpty)
        let requirements = try #require(library.standard("refund-days")).requirements
        #expect(requirements.map { $0.feeCheck?.rule } == [.refundWithinDays(30), .refundWithinDays(45)])
        #expect(try messages("refund-days-invalid") == [
            "\(fixtures)/refund-days-invalid.yaml:17:103: error: give the days once, as 'refund_within_days: N'",
            "\(fixtures)/refund-days-invalid.yaml:27:15: error: rule 'refund_within_days' needs 'refund_within_days: N' (days)",
            "\(fixtures)/refund-days-invalid.yaml:37:85: error: 'refund_within_days' is only used by rule 'refund_within_days'",
        ])
    }

    @Test func scopeCurrencyConditionsAndDuplicatesAreChecked() throws {
        #expect(try messages("scope-and-currency") == [
            "\(fixtures)/scope-and-currency.yaml:18:12: error: requirement scope is wider than its standard's: destination 'SA' is not in the standard's destination [MY, QA]",
            "\(fixtures)/scope-and-currency.yaml:18:50: error: unknown occupation 'astronaut'",
            "\(fixtures)/scope-and-currency.yaml:20:87: error: cap currency 'XYZ' is not in the exchange rates",
            "\(fixtures)/scope-and-currency.yaml:21:9: error: a requirement holds at most one fee check",
            "\(fixtures)/scope-and-currency.yaml:21:69: error: 'when' names unknown question 'NO-SUCH-QUESTION'",
            "\(fixtures)/scope-and-currency.yaml:25:5: error: duplicate requirement id 'r1'",
        ])
    }

    @Test func aQuestionIdMeansOneQuestionAcrossTheLibrary() throws {
        let library = try load(["valid-minimal", "scope-and-currency"])
        #expect(library.diagnostics.map(\.description).contains(
            "\(fixtures)/scope-and-currency.yaml:31:24: error: question 'TEST-REFUSED' differs from its definition at \(fixtures)/valid-minimal.yaml:23:24: the same id must have the same text, answer type and allow_na"))
    }

    @Test func aStandardIdIsUniqueInTheLibrary() throws {
        let library = try load(["valid-minimal", "valid-minimal-copy"])
        #expect(library.diagnostics.map(\.description) == [
            "\(fixtures)/valid-minimal-copy.yaml:2:5: error: duplicate standard id 'valid-minimal', first defined at \(fixtures)/valid-minimal.yaml:2:5",
        ])
    }

    @Test func brokenYAMLAndAliasBombsFailWithALocation() throws {
        #expect(try messages("syntax-error") == [
            "\(fixtures)/syntax-error.yaml:4:11: error: invalid YAML: while parsing a block mapping: did not find expected key",
        ])
        #expect(try messages("alias-bomb") == [
            "\(fixtures)/alias-bomb.yaml:1:1: error: document expands to more than 200000 nodes (too many aliases?)",
        ])
    }

    @Test func aMissingFileIsUnreadableNotInvalid() {
        #expect(throws: UnreadableFile.self) { try load(["does-not-exist"]) }
    }

    @Test func theShippedLibraryIsValid() throws {
        _ = FileManager.default.changeCurrentDirectoryPath(root)
        let currencies = Set(try String(contentsOfFile: "Standards/exchange-rates.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { String($0.prefix(3)) })
        let library = try StandardsLibrary.load(tablesDirectory: "Standards", directories: ["Standards"], currencies: currencies)
        #expect(library.diagnostics.map(\.description) == [])
        #expect(library.standard("employer-pays") != nil)
        #expect(library.standard("np-fvft-2015") != nil)
    }
}

/// Hostile standard files (see Tests/FuzzRegressions/standards): each is refused with located
/// diagnostics, never a crash.
@Suite(.serialized) struct StandardFuzzRegressionTests {
    static let files: [String] = {
        let folder = root + "/Tests/FuzzRegressions/standards"
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted().map { "Tests/FuzzRegressions/standards/" + $0 }
    }()

    @Test(arguments: files)
    func aHostileStandardIsRefusedWithLocatedDiagnostics(path: String) throws {
        _ = FileManager.default.changeCurrentDirectoryPath(root)
        let library = try StandardsLibrary.load(tablesDirectory: "Standards", directories: [], files: [path], currencies: ["NPR"])
        let mine = library.diagnostics.filter { $0.location.file == path }
        #expect(!mine.isEmpty)
        #expect(mine.allSatisfy { $0.location.line >= 1 && $0.location.column >= 1 })
    }
}

@Suite(.serialized) struct WaiverFileTests {
    func shipped() throws -> StandardsLibrary { try load([], directories: ["Standards"]) }

    @Test func aValidWaiversFileLoadsWithScopesNormalised() throws {
        let (waivers, problems) = try WaiverLoader.load("\(fixtures)/waivers-valid.yaml", library: shipped(), allowCritical: false)
        #expect(problems.isEmpty)
        #expect(waivers.count == 2)
        #expect(waivers[0].standard == "np-fvft-2015" && waivers[0].requirement == "service-fee-cap")
        #expect(waivers[0].workers == ["W-017"] && waivers[0].destinations == ["QA"])
        #expect(waivers[0].expires.description == "2026-12-31" && waivers[0].location.line == 3)
        #expect(!waivers[1].isScoped)
    }

    @Test func everyProblemIsReportedWithItsLocation() throws {
        let (waivers, problems) = try WaiverLoader.load("\(fixtures)/waivers-invalid.yaml", library: shipped(), allowCritical: false)
        #expect(waivers.map(\.reason) == ["First"])
        #expect(problems.map(\.description) == [
            "\(fixtures)/waivers-invalid.yaml:3:18: error: unknown requirement 'np-fvft-2015/service-fee-capp' (expected standard/requirement); did you mean 'np-fvft-2015/service-fee-cap'?",
            "\(fixtures)/waivers-invalid.yaml:8:18: error: 'np-fvft-2015/no-salary-deduction' is a critical requirement: waiving it needs --allow-critical-waivers",
            "\(fixtures)/waivers-invalid.yaml:9:13: error: agency 'bad agency!' is not a valid agency id (1-64 letters, digits, '.', '_', '-')",
            "\(fixtures)/waivers-invalid.yaml:10:13: error: 'reason' must not be empty",
            "\(fixtures)/waivers-invalid.yaml:12:14: error: expected a date (YYYY-MM-DD) for 'expires', found '31/12/2026'",
            "\(fixtures)/waivers-invalid.yaml:13:5: error: unknown key 'scpe' in a waiver; did you mean 'scope'?",
            "\(fixtures)/waivers-invalid.yaml:16:12: error: a scope narrows a fee check, and 'np-fvft-2015/labour-approval' has none; leave it out to waive the whole requirement",
            "\(fixtures)/waivers-invalid.yaml:16:43: error: 'XX' is not an ISO 3166-1 alpha-2 country code",
            "\(fixtures)/waivers-invalid.yaml:25:5: error: duplicate waiver of 'np-fvft-2015/service-fee-cap' for agency 'NP-1', first at \(fixtures)/waivers-invalid.yaml:20:5",
        ])
    }

    @Test func theCriticalFlagLetsACriticalRequirementBeWaived() throws {
        let (waivers, problems) = try WaiverLoader.load("\(fixtures)/waivers-invalid.yaml", library: shipped(), allowCritical: true)
        #expect(!problems.contains { $0.message.contains("--allow-critical-waivers") })
        #expect(waivers.map(\.reason) == ["First"])
    }
}
