import FairRecruitCore
import FairRecruitIngest
import FairRecruitStandards
import Foundation
import Yams

/// Worked examples that ship with a standard (`Standards/examples/<standard-id>.yaml`): answers
/// and fee records that pass and that fail each requirement. They document the standard and are
/// run by the test suite and by `fairrecruit standards examples`.
///
/// ```yaml
/// schema: fairrecruit/examples@1
/// standard: np-fvft-2015
/// as_of: 2026-06-30
/// cases:
///   - requirement: service-fee-cap
///     name: a fee within the cap passes
///     expect: met                       # the requirement's status
///     answers: {NP-EMPLOYER-REFUSED-IN-WRITING: "yes"}
///     fees: |                           # CSV; agency_id may be left out
///       worker_id,origin,destination,category,amount,currency,paid_by,paid_on
///       W1,NP,MY,recruitment_fee,9000,NPR,worker,2026-01-10
///     registry: |                       # optional licence registry (CSV) for `registry` checks;
///       name,country,licence_status,licence_expires   # agency_id may be left out too
///       Example Agency,NP,active,2027-12-31
/// ```
public struct StandardExamples: Sendable {
    public struct Case: Sendable {
        public var requirement: String
        public var name: String
        public var expect: Status
        public var severity: Severity?
        public var answers: [String: String]
        public var fees: String?
        public var registry: String?
        public var line: Int
    }

    public struct Outcome: Sendable {
        public var standard: String
        public var example: Case
        public var status: Status?
        public var severity: Severity?
        public var problem: String?
        public var passed: Bool { problem == nil }
    }

    public var file: String
    public var standard: String
    public var asOf: Day
    public var cases: [Case]

    public static let agency = "EXAMPLE-AGENCY"

    /// Reads an examples file; problems are located like standard diagnostics.
    public static func load(_ path: String) throws(CommandFailure) -> StandardExamples {
        func fail(_ line: Int, _ message: String) -> CommandFailure { CommandFailure(.badData, "\(path):\(line):1: error: \(message)") }
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure(.unreadable, "\(path): error: cannot read file") }
        let node: Node?
        do { node = try Yams.compose(yaml: String(decoding: data, as: UTF8.self)) } catch { throw fail(1, "invalid YAML: \(error)") }
        guard let root = node?.mapping, root["schema"]?.string == "fairrecruit/examples@1" else {
            throw fail(1, "expected 'schema: fairrecruit/examples@1'")
        }
        guard let standard = root["standard"]?.string else { throw fail(1, "missing 'standard'") }
        guard let asOfText = root["as_of"]?.string, let asOf = Day(iso: asOfText) else { throw fail(1, "missing or invalid 'as_of'") }
        var cases: [Case] = []
        for item in root["cases"]?.sequence ?? [] {
            let line = item.mark?.line ?? 1
            guard let map = item.mapping else { throw fail(line, "a case must be a mapping") }
            let allowed: Set<String> = ["requirement", "name", "expect", "severity", "answers", "fees", "registry"]
            for key in map.keys.compactMap(\.string) where !allowed.contains(key) { throw fail(line, "unknown key '\(key)' in a case") }
            guard let requirement = map["requirement"]?.string, let name = map["name"]?.string,
                  let expectText = map["expect"]?.string, let expect = Status(rawValue: expectText) else {
                throw fail(line, "a case needs 'requirement', 'name' and 'expect' (a status such as met or not_met)")
            }
            var severity: Severity?
            if let text = map["severity"]?.string {
                guard let s = Severity(rawValue: text) else { throw fail(line, "unknown severity '\(text)'") }
                severity = s
            }
            var answers: [String: String] = [:]
            for (key, value) in map["answers"]?.mapping ?? [:] {
                if let k = key.string, let v = value.string { answers[k] = v }
            }
            cases.append(Case(requirement: requirement, name: name, expect: expect, severity: severity, answers: answers,
                              fees: map["fees"]?.string, registry: map["registry"]?.string, line: line))
        }
        if cases.isEmpty { throw fail(1, "no cases") }
        return StandardExamples(file: path, standard: standard, asOf: asOf, cases: cases)
    }

    /// Runs every case against the standard; each case is a fresh audit of one example agency.
    public func run(library: StandardsLibrary, rates: ExchangeRates) -> [Outcome] {
        guard let standard = library.standard(standard) else {
            return cases.map { Outcome(standard: self.standard, example: $0, problem: "unknown standard '\(self.standard)'") }
        }
        return cases.map { example in
            func outcome(_ status: Status?, _ severity: Severity?, _ problem: String?) -> Outcome {
                Outcome(standard: standard.id, example: example, status: status, severity: severity, problem: problem)
            }
            guard standard.requirements.contains(where: { $0.id == example.requirement }) else {
                return outcome(nil, nil, "unknown requirement '\(example.requirement)'")
            }
            var records: [FeeRecord] = []
            if let fees = example.fees {
                let ledger = FeeLedger(asOf: asOf, categories: library.tables.categories, occupations: library.tables.occupations,
                                       rates: rates, agencyFilter: nil)
                let path = Self.temporaryCSV(fees)
                defer { try? FileManager.default.removeItem(atPath: path) }
                do { try ledger.readCSV(path) } catch { return outcome(nil, nil, "fee records: \(error)") }
                ledger.finish()
                if let rejection = ledger.files.first?.rejections.first {
                    return outcome(nil, nil, "fee record on line \(rejection.location.line) rejected: \(rejection.reason)")
                }
                records = ledger.records.values.flatMap { $0 }
            }
            var answers: [String: Answer] = [:]
            for (id, value) in example.answers {
                guard let question = library.questions[id] else { return outcome(nil, nil, "unknown question '\(id)'") }
                let normalized: String
                switch AnswerBook.normalize(value, for: question) {
                case .success(let v): normalized = v
                case .failure(let reason): return outcome(nil, nil, reason.message)
                }
                answers[id] = Answer(agencyID: Self.agency, questionID: id, value: normalized,
                                     location: SourceLocation(file: file, line: example.line))
            }
            var input = AuditInput(agencyID: Self.agency, asOf: asOf, records: records, answers: answers,
                                   feesProvided: example.fees != nil, categories: library.tables.categories, rates: rates)
            if let text = example.registry {
                let path = Self.temporaryCSV(text)
                defer { try? FileManager.default.removeItem(atPath: path) }
                let registry: LicenceRegistry
                do { registry = try LicenceRegistry.read(path) } catch { return outcome(nil, nil, "registry: \(error)") }
                if let rejection = registry.file.rejections.first {
                    return outcome(nil, nil, "registry row on line \(rejection.location.line) rejected: \(rejection.reason)")
                }
                input.licence = registry.lookup(Self.agency)
            }
            let result = AuditEngine().audit([standard], input: input)
            guard let requirement = result.requirements.first(where: { $0.requirement.id == example.requirement }) else {
                return outcome(nil, nil, "requirement not evaluated")
            }
            var problem: String?
            if requirement.status != example.expect {
                problem = "expected \(example.expect.rawValue), got \(requirement.status.rawValue)"
            } else if let severity = example.severity, requirement.severity != severity {
                problem = "expected severity \(severity.rawValue), got \(requirement.severity.rawValue)"
            }
            return outcome(requirement.status, requirement.severity, problem)
        }
    }

    /// Writes an example's CSV to a temporary file, with an `agency_id` column of the example
    /// agency added when the CSV has none.
    static func temporaryCSV(_ text: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fairrecruit-example-\(UUID().uuidString).csv").path
        var csv = text
        if !(csv.split(separator: "\n").first ?? "").lowercased().contains("agency_id") {
            csv = csv.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { i, line in
                line.isEmpty ? "" : (i == 0 ? "agency_id," : "\(agency),") + line
            }.joined(separator: "\n")
        }
        _ = FileManager.default.createFile(atPath: path, contents: Data(csv.utf8))
        return path
    }
}
