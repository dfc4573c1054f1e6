import Crypto
import FairRecruitCore
import Foundation

/// A file that could not be read at all (exit 66), as opposed to one with bad content (exit 65).
public struct UnreadableFile: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): error: cannot read file: \(reason)" }
}

/// The standards library: every standard in the library folders, validated together, with the
/// reference tables they use.
public struct StandardsLibrary: Sendable {
    public static let categoriesFile = "fee-categories.yaml"
    public static let occupationsFile = "occupations.yaml"
    public static let referencesFile = "references.yaml"
    static let tableFiles: Set<String> = [categoriesFile, occupationsFile, referencesFile]

    public let tables: ReferenceTables
    public let standards: [Standard]
    /// Every problem found, sorted by file and position.
    public let diagnostics: [Diagnostic]
    /// The files read, table files included.
    public let files: [String]

    public func standard(_ id: String) -> Standard? { standards.first { $0.id == id } }

    /// The first definition of every question in the library.
    public var questions: [String: Question] {
        var result: [String: Question] = [:]
        for standard in standards { for q in standard.questions where result[q.id] == nil { result[q.id] = q } }
        return result
    }

    /// Diagnostics of the given files only (a broken standard elsewhere in the library does not
    /// stop an audit that does not use it; the tables always count).
    public func diagnostics(affecting paths: [String]) -> [Diagnostic] {
        let tablePaths = files.filter { Self.tableFiles.contains(($0 as NSString).lastPathComponent) }
        let relevant = Set(paths + tablePaths)
        return diagnostics.filter { relevant.contains($0.location.file) }
    }

    /// Loads the tables from `tablesDirectory` and every `*.yaml` standard from `directories`,
    /// plus explicit standard files.
    /// - Parameter currencies: currencies with exchange rates; a cap in any other is an error.
    public static func load(tablesDirectory: String, directories: [String], files extra: [String] = [],
                            currencies: Set<String>) throws(UnreadableFile) -> StandardsLibrary {
        let sink = DiagnosticSink()
        func path(_ name: String) -> String { (tablesDirectory as NSString).appendingPathComponent(name) }
        let categories = ReferenceTablesLoader.categories(try readText(path(categoriesFile), sink: sink) ?? "", file: path(categoriesFile), sink: sink)
        let occupations = ReferenceTablesLoader.occupations(try readText(path(occupationsFile), sink: sink) ?? "", file: path(occupationsFile), sink: sink)
        let references = ReferenceTablesLoader.references(try readText(path(referencesFile), sink: sink) ?? "", file: path(referencesFile), sink: sink)
        let tables = ReferenceTables(categories: categories, occupations: occupations, references: references)

        var standardFiles: [String] = []
        for directory in directories {
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
                throw UnreadableFile(path: directory, reason: "not a readable folder")
            }
            for name in names.sorted() where (name.hasSuffix(".yaml") || name.hasSuffix(".yml")) && !tableFiles.contains(name) {
                standardFiles.append((directory as NSString).appendingPathComponent(name))
            }
        }
        for file in extra where !standardFiles.contains(where: { samePath($0, file) }) { standardFiles.append(file) }

        // Each file read and parsed on its own, on every core (the library's YAML was a sixth of
        // a 100K-record batch's instructions, callgrind), into a sink of its own; the results are
        // then taken in file order, so the first unreadable file is the one reported.
        let parsed = Cores.map(standardFiles.count, onAllCores: true) { index -> Result<ParsedFile, UnreadableFile> in
            Result { () throws(UnreadableFile) in
                let file = standardFiles[index]
                let fileSink = DiagnosticSink()
                guard let (text, sha) = try readTextAndHash(file, sink: fileSink) else { return ParsedFile(sink: fileSink, parser: nil, parsed: nil) }
                var parser = StandardParser(file: file, tables: tables, currencies: currencies, sink: fileSink)
                let result = parser.parse(text, sha256: sha)
                return ParsedFile(sink: fileSink, parser: parser, parsed: result)
            }
        }
        var fileSinks: [DiagnosticSink] = []
        var standards: [Standard] = []
        var idSites: [String: SourceLocation] = [:]
        var questionSites: [String: (Question, SourceLocation)] = [:]
        var conditions: [(Condition, YAMLValue)] = []
        for result in parsed {
            let file = try result.get()
            fileSinks.append(file.sink)
            guard let parser = file.parser, let (standard, idLocation) = file.parsed else { continue }
            if let first = idSites[standard.id], !standard.id.isEmpty {
                sink.error(idLocation, "duplicate standard id '\(standard.id)', first defined at \(first)")
                continue
            }
            idSites[standard.id] = idLocation
            for (question, site) in parser.questionSites {
                if let (first, firstSite) = questionSites[question.id] {
                    if first.text != question.text || first.answer != question.answer || first.allowNA != question.allowNA {
                        sink.error(site, "question '\(question.id)' differs from its definition at \(firstSite): the same id must have the same text, answer type and allow_na")
                    }
                } else {
                    questionSites[question.id] = (question, site)
                }
            }
            conditions += parser.conditionSites
            standards.append(standard)
        }
        for (condition, node) in conditions {
            guard let (question, _) = questionSites[condition.question] else {
                node.error("'when' names unknown question '\(condition.question)'\(didYouMean(condition.question, Array(questionSites.keys)))")
                continue
            }
            let valid: [String]
            switch question.answer {
            case .yesNo: valid = ["yes", "no"] + (question.allowNA ? ["na"] : [])
            case .yesPartialNo: valid = ["yes", "partial", "no"] + (question.allowNA ? ["na"] : [])
            default: valid = []
            }
            if !valid.isEmpty && !valid.contains(condition.answer) {
                node.error("'when' answer '\(condition.answer)' is not a possible answer to \(condition.question) (\(valid.joined(separator: ", ")))")
            }
        }
        let tableFiles = [path(categoriesFile), path(occupationsFile), path(referencesFile)]
        // Every problem, wherever found, is listed in file and position order.
        let diagnostics = fileSinks.reduce(sink.diagnostics) { $0 + $1.diagnostics }
        return StandardsLibrary(tables: tables, standards: standards, diagnostics: diagnostics.sorted(),
                                files: tableFiles + standardFiles)
    }

    /// A standard file read and parsed, with the problems found in it.
    private struct ParsedFile {
        let sink: DiagnosticSink
        let parser: StandardParser?
        let parsed: (Standard, SourceLocation)?
    }

    public static func samePath(_ a: String, _ b: String) -> Bool {
        (a as NSString).standardizingPath == (b as NSString).standardizingPath
    }

    private static func readBytes(_ path: String) throws(UnreadableFile) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw UnreadableFile(path: path, reason: !exists ? "no such file" : isDirectory.boolValue ? "is a folder" : "permission denied")
        }
        return [UInt8](data)
    }

    static func readText(_ path: String, sink: DiagnosticSink) throws(UnreadableFile) -> String? {
        try readTextAndHash(path, sink: sink)?.0
    }

    static func readTextAndHash(_ path: String, sink: DiagnosticSink) throws(UnreadableFile) -> (String, String)? {
        let bytes = try readBytes(path)
        if bytes.count > YAMLLimits.maxBytes {
            sink.error(SourceLocation(file: path, line: 1), "file is larger than \(YAMLLimits.maxBytes) bytes")
            return nil
        }
        let sha = SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
        switch TextDecoding.decode(bytes) {
        case .success(let text): return (text, sha)
        case .failure(let failure):
            sink.error(SourceLocation(file: path, line: failure.line, column: failure.column), failure.message)
            return nil
        }
    }
}
