import FairRecruitCore
import Yams

/// Limits that keep a hostile standard file from exhausting memory or time.
public enum YAMLLimits {
    /// Largest standard or reference file accepted, in bytes.
    public static let maxBytes = 2 * 1024 * 1024
    /// Most nodes a document may expand to once aliases are followed (defeats alias bombs).
    public static let maxNodes = 200_000
}

/// A YAML node with the file it came from, for located, collected diagnostics.
struct YAMLValue {
    let node: Node
    let file: String
    let sink: DiagnosticSink

    var location: SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    func error(_ message: String) { sink.error(location, message) }

    var kindName: String {
        switch node {
        case .scalar: "a scalar"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// The mapping's values by key. Reports unknown keys (with a suggestion) and missing required ones.
    func mapping(_ what: String, required: [String], optional: [String] = []) -> [String: YAMLValue]? {
        guard case .mapping(let mapping) = node else {
            error("expected a mapping for \(what), found \(kindName)")
            return nil
        }
        let allowed = required + optional
        var values: [String: YAMLValue] = [:]
        var suggested = Set<String>()
        for (keyNode, valueNode) in mapping {
            let key = YAMLValue(node: keyNode, file: file, sink: sink)
            guard case .scalar(let scalar) = keyNode else { key.error("expected a text key in \(what)"); continue }
            let name = scalar.string
            if !allowed.contains(name) {
                key.error("unknown key '\(name)' in \(what)\(didYouMean(name, allowed))")
                if let close = closestMatch(to: name, in: allowed) { suggested.insert(close) }
                continue
            }
            if values[name] != nil { key.error("duplicate key '\(name)' in \(what)"); continue }
            values[name] = YAMLValue(node: valueNode, file: file, sink: sink)
        }
        // A misspelt key is reported once, as unknown with its suggestion, not also as missing.
        for name in required where values[name] == nil && !suggested.contains(name) {
            error("missing required key '\(name)' in \(what)")
        }
        return values
    }

    func string(_ what: String) -> String? {
        guard case .scalar(let scalar) = node else {
            error("expected text for '\(what)', found \(kindName)")
            return nil
        }
        return scalar.string
    }

    func nonEmptyString(_ what: String) -> String? {
        guard let text = string(what) else { return nil }
        if text.allSatisfy(\.isWhitespace) { error("'\(what)' must not be empty"); return nil }
        return text
    }

    func int(_ what: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = string(what) else { return nil }
        guard let value = Int(text) else { error("expected a whole number for '\(what)', found '\(text)'"); return nil }
        guard range.contains(value) else {
            error("'\(what)' must be between \(range.lowerBound) and \(range.upperBound), found \(value)")
            return nil
        }
        return value
    }

    func decimal(_ what: String) -> ExactDecimal? {
        guard let text = string(what) else { return nil }
        guard let value = ExactDecimal(parsing: text) else { error("expected a decimal number for '\(what)', found '\(text)'"); return nil }
        return value
    }

    func bool(_ what: String) -> Bool? {
        guard let text = string(what) else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: error("expected true or false for '\(what)', found '\(text)'"); return nil
        }
    }

    func date(_ what: String) -> Day? {
        guard let text = string(what) else { return nil }
        guard let day = Day(iso: text) else { error("expected a date (YYYY-MM-DD) for '\(what)', found '\(text)'"); return nil }
        return day
    }

    func list(_ what: String) -> [YAMLValue]? {
        guard case .sequence(let sequence) = node else {
            error("expected a list for '\(what)', found \(kindName)")
            return nil
        }
        return sequence.map { YAMLValue(node: $0, file: file, sink: sink) }
    }

    func stringList(_ what: String) -> [(String, YAMLValue)]? {
        guard let items = list(what) else { return nil }
        return items.compactMap { item in item.string(what).map { ($0, item) } }
    }

    func oneOf<T: RawRepresentable>(_ what: String, _ type: T.Type, allowed: [String]) -> T? where T.RawValue == String {
        guard let text = string(what) else { return nil }
        guard let value = T(rawValue: text) else {
            error("unknown \(what) '\(text)'; expected one of \(allowed.joined(separator: ", "))\(didYouMean(text, allowed))")
            return nil
        }
        return value
    }
}

/// Parses a YAML document, enforcing ``YAMLLimits``. Syntax errors become one located diagnostic.
func parseYAML(_ text: String, file: String, sink: DiagnosticSink) -> YAMLValue? {
    if text.utf8.count > YAMLLimits.maxBytes {
        sink.error(SourceLocation(file: file, line: 1), "file is larger than \(YAMLLimits.maxBytes) bytes")
        return nil
    }
    do {
        guard let node = try Yams.compose(yaml: text) else {
            sink.error(SourceLocation(file: file, line: 1), "the file is empty")
            return nil
        }
        var budget = YAMLLimits.maxNodes
        guard countNodes(node, budget: &budget) else {
            sink.error(SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1),
                       "document expands to more than \(YAMLLimits.maxNodes) nodes (too many aliases?)")
            return nil
        }
        return YAMLValue(node: node, file: file, sink: sink)
    } catch let error as YamlError {
        let (line, column, problem) = describe(error)
        sink.error(SourceLocation(file: file, line: line, column: column), "invalid YAML: \(problem)")
        return nil
    } catch {
        sink.error(SourceLocation(file: file, line: 1), "invalid YAML: \(error)")
        return nil
    }
}

/// Counts nodes with aliases expanded, stopping as soon as the budget runs out.
private func countNodes(_ node: Node, budget: inout Int) -> Bool {
    budget -= 1
    if budget < 0 { return false }
    switch node {
    case .scalar, .alias: return true
    case .mapping(let mapping):
        for (key, value) in mapping {
            if !countNodes(key, budget: &budget) || !countNodes(value, budget: &budget) { return false }
        }
        return true
    case .sequence(let sequence):
        for item in sequence where !countNodes(item, budget: &budget) { return false }
        return true
    }
}

private func describe(_ error: YamlError) -> (Int, Int, String) {
    switch error {
    case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
         .composer(let context, let problem, let mark, _):
        let text = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        return (mark.line, mark.column, text)
    case .duplicatedKeysInMapping(let duplicates, let context):
        return (context.mark.line, context.mark.column,
                "duplicate key(s) \(duplicates.sorted().map { "'\($0)'" }.joined(separator: ", "))")
    case .reader(let problem, _, _, _):
        return (1, 1, problem)
    default:
        return (1, 1, "\(error)")
    }
}
