import ArgumentParser
import FairRecruitCore
import FairRecruitStandards
import Foundation

extension FairRecruitCommand {
    struct Standards: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, show and validate the standards library.",
            subcommands: [List.self, Show.self, Validate.self, Examples.self, QuestionnaireCommand.self, CrosswalkCommand.self])
    }
}

struct LibraryOptions: ParsableArguments {
    @Option(name: .customLong("standards"), help: "A folder of extra standards to add to the library (repeatable).")
    var directories: [String] = []

    @Option(help: "Exchange rates (CSV) replacing Standards/exchange-rates.csv.")
    var rates: String?

    func load(files: [String] = []) throws(CommandFailure) -> StandardsLibrary {
        let pipeline = AuditPipeline(layout: ProjectLayout.locate())
        let rates = try pipeline.loadRates(rates)
        return try pipeline.loadLibrary(directories: directories, files: files, rates: rates)
    }
}

extension FairRecruitCommand.Standards {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the standards in the library.")
        @OptionGroup var library: LibraryOptions

        func run() throws {
            try runReportingFailures { () throws(CommandFailure) -> ExitStatus in
                let loaded = try library.load()
                let rows = loaded.standards.sorted { $0.id < $1.id }.map { s in
                    [s.id, s.kind.rawValue, s.version, String(s.requirements.count), s.title]
                }
                print(table(["id", "kind", "version", "requirements", "title"], rows))
                if !loaded.diagnostics.isEmpty {
                    printError("warning: \(loaded.diagnostics.count) problem(s) in the library; run 'fairrecruit standards validate'")
                }
                return .ok
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a readable summary of one standard.")
        @Argument(help: "The standard's id or path.") var id: String
        @OptionGroup var library: LibraryOptions

        func run() throws {
            try runReportingFailures { () throws(CommandFailure) -> ExitStatus in
                let loaded = try library.load(files: AuditPipeline.isPath(id) ? [id] : [])
                guard let standard = try AuditPipeline.select([id], from: loaded).first else { return .usage }
                print(StandardSummary.render(standard, categories: loaded.tables.categories))
                return .ok
            }
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate standards: the whole library, or the given files.",
            discussion: "Every problem is printed as path:line:column: error: message. Exit 65 when there is any.")
        @Argument(help: "Standard files to validate (default: the whole library).") var paths: [String] = []
        @OptionGroup var library: LibraryOptions

        func run() throws {
            try runReportingFailures { () throws(CommandFailure) -> ExitStatus in
                let loaded = try library.load(files: paths)
                let problems = paths.isEmpty ? loaded.diagnostics : loaded.diagnostics(affecting: paths)
                for problem in problems { printError(problem.description) }
                let checked = paths.isEmpty ? loaded.standards.count : paths.count
                if problems.isEmpty {
                    print("\(checked) standard(s) valid")
                    return .ok
                }
                printError("\(problems.count) problem(s) found")
                return .badData
            }
        }
    }
}

extension FairRecruitCommand.Standards {
    struct Examples: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the worked examples shipped with standards (Standards/examples/<id>.yaml).",
            discussion: "Prints one line per failing case and a closing count. Exit 65 when a case fails.")
        @Argument(help: "Standard ids (default: every standard with examples).") var ids: [String] = []
        @OptionGroup var library: LibraryOptions

        func run() throws {
            try runReportingFailures { () throws(CommandFailure) -> ExitStatus in
                let pipeline = AuditPipeline(layout: ProjectLayout.locate())
                let rates = try pipeline.loadRates(library.rates)
                let loaded = try pipeline.loadLibrary(directories: library.directories, files: [], rates: rates)
                let folder = pipeline.layout.standards.appendingPath("examples")
                let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
                var passed = 0, failed = 0
                for name in files {
                    let examples = try StandardExamples.load(folder.appendingPath(name))
                    if !ids.isEmpty && !ids.contains(examples.standard) { continue }
                    for outcome in examples.run(library: loaded, rates: rates) {
                        if outcome.passed { passed += 1; continue }
                        failed += 1
                        print("\(examples.file):\(outcome.example.line): \(outcome.standard)/\(outcome.example.requirement) \"\(outcome.example.name)\": \(outcome.problem!)")
                    }
                }
                print("\(passed) passed, \(failed) failed")
                return failed == 0 ? .ok : .badData
            }
        }
    }
}

extension FairRecruitCommand.Standards {
    struct QuestionnaireCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "questionnaire",
            abstract: "Write the blank self-assessment for a set of standards, each question once.")
        @Argument(help: "Standard ids or paths.") var ids: [String]
        @Option(help: "csv or xml (default csv).") var format: String = "csv"
        @Option(help: "Agency id to fill in on every row.") var agency: String = ""
        @Option(help: "File to write (default: standard output).") var output: String?
        @OptionGroup var library: LibraryOptions

        func validate() throws {
            if ids.isEmpty { throw ValidationError("name at least one standard") }
            if !["csv", "xml"].contains(format) { throw ValidationError("--format is csv or xml") }
        }

        func run() throws {
            try runReportingFailures { () throws(CommandFailure) -> ExitStatus in
                let loaded = try library.load(files: ids.filter(AuditPipeline.isPath))
                let questionnaire = Questionnaire(try AuditPipeline.select(ids, from: loaded))
                try emit(format == "xml" ? questionnaire.xml(agency: agency) : questionnaire.csv(agency: agency), to: output)
                return .ok
            }
        }
    }

    struct CrosswalkCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "crosswalk",
            abstract: "Write the table of which requirement implements which ILO principle (Docs/crosswalk.md).")
        @Option(help: "File to write (default: standard output).") var output: String?
        @OptionGroup var library: LibraryOptions

        func run() throws {
            try runReportingFailures { () throws(CommandFailure) -> ExitStatus in
                let loaded = try library.load()
                try emit(Crosswalk.markdown(loaded.standards, references: loaded.tables.references), to: output)
                return .ok
            }
        }
    }
}

/// Writes text to a file, or to standard output.
func emit(_ text: String, to path: String?) throws(CommandFailure) {
    guard let path else { print(text, terminator: ""); return }
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw CommandFailure(.unreadable, "\(path): error: cannot write file")
    }
}

/// A plain-text table with aligned columns.
func table(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    return all.map { row in
        row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            .joined(separator: "  ")
    }.joined(separator: "\n")
}

/// The readable form of a standard for `standards show`.
enum StandardSummary {
    static func render(_ s: Standard, categories: FeeCategories) -> String {
        var out: [String] = []
        out.append("\(s.title) (\(s.id), version \(s.version))")
        out.append("Kind: \(s.kind.rawValue). Publisher: \(s.publisher).")
        out.append("Source: \(s.source)")
        out.append("Scope: \(scope(s.scope))")
        out.append("File: \(s.path) (sha256 \(s.sha256))")
        for principle in s.principles {
            out.append("")
            out.append("\(principle.title) [\(principle.id)]")
            for r in s.requirements where r.principle == principle.id {
                out.append("")
                let flags = r.verified ? "" : ", UNVERIFIED"
                out.append("  \(r.id): \(r.title)")
                out.append("    \(r.severity.rawValue), weight \(r.weight), owner \(r.owner.rawValue), deadline \(r.deadlineDays.map { "\($0) days" } ?? "\(r.severity.defaultDeadlineDays) days (default)")\(flags)")
                if !r.references.isEmpty { out.append("    Implements: \(r.references.joined(separator: ", "))") }
                if !r.scope.isEmpty { out.append("    Scope: \(scope(r.scope))") }
                if r.effective.from != nil || r.effective.to != nil {
                    out.append("    Effective: \(r.effective.from?.description ?? "…") to \(r.effective.to?.description ?? "…")")
                }
                if let citation = r.citation { out.append("    Legal basis: \(citation)") }
                for check in r.checks {
                    let condition = check.when.map { " (only where \($0.question) is \"\($0.answer)\")" } ?? ""
                    out.append("    - \(describe(check.kind))\(condition)")
                }
                out.append("    Remediation: \(r.remediation)")
                out.append("    Evidence to close: \(r.evidence)")
            }
        }
        return out.joined(separator: "\n")
    }

    static func scope(_ scope: Scope) -> String {
        var parts: [String] = []
        if !scope.origin.isEmpty { parts.append("from \(scope.origin.joined(separator: ", "))") }
        if !scope.destination.isEmpty { parts.append("to \(scope.destination.joined(separator: ", "))") }
        if !scope.sectors.isEmpty { parts.append("sectors \(scope.sectors.joined(separator: ", "))") }
        if !scope.occupations.isEmpty { parts.append("occupations \(scope.occupations.joined(separator: ", "))") }
        let ex = scope.except
        let exParts = [ex.origin, ex.destination, ex.sectors, ex.occupations].flatMap { $0 }
        if !exParts.isEmpty { parts.append("except \(exParts.joined(separator: ", "))") }
        return parts.isEmpty ? "all recruitment" : parts.joined(separator: "; ")
    }

    static func describe(_ kind: Check.Kind) -> String {
        switch kind {
        case .registry: return "licence registry: the agency holds an active licence on every payment date"
        case .question(let q):
            let expectation = q.expect == .unscored ? "not scored" : "expects " + Questionnaire.expected(q)
            return "question \(q.id) (\(q.answer.rawValue), \(expectation)): \(q.text)"
        case .fees(let f):
            let over = f.categories.joined(separator: ", ") + (f.except.isEmpty ? "" : " except \(f.except.joined(separator: ", "))")
            let rule: String
            switch f.rule {
            case .noneByWorker: rule = "workers pay nothing for"
            case .prohibited: rule = "no payment at all, whoever pays, for"
            case .receipts: rule = "a receipt for every worker payment for"
            case .noWageDeduction: rule = "no wage deduction for"
            case .notBeforeContract: rule = "nothing paid before the contract is signed for"
            case .refundWithinDays(let d): rule = "every worker payment refunded within \(d) days for"
            case .cap(.amount(let a, let c)): rule = "at most \(a) \(c) per worker for"
            case .cap(.wageMonths(let m)): rule = "at most \(m) month(s) of wage per worker for"
            case .cap(.wageMonthsPerContractYear(let m, let max)): rule = "at most \(m) month(s) of wage per contract year (max \(max)) for"
            }
            let grading = f.grading == nil ? "" : "; severity graded by prevalence and depth"
            return "fee rule: \(rule) \(over)\(grading)"
        }
    }
}
