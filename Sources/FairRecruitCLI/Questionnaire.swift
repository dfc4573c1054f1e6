import FairRecruitCore
import FairRecruitReports
import Foundation

/// The blank self-assessment for a set of standards: each question once, however many
/// requirements or standards ask it (a question id means one question across the library).
public struct Questionnaire: Sendable {
    public struct Item: Sendable {
        public var question: Question
        /// `standard/requirement` of every requirement that asks it.
        public var askedBy: [String]
    }
    public var standards: [Standard]
    public var items: [Item]

    public init(_ standards: [Standard]) {
        self.standards = standards
        var items: [Item] = []
        var index: [String: Int] = [:]
        for standard in standards {
            for requirement in standard.requirements {
                for check in requirement.checks {
                    guard case .question(let question) = check.kind else { continue }
                    let site = "\(standard.id)/\(requirement.id)"
                    if let i = index[question.id] {
                        if !items[i].askedBy.contains(site) { items[i].askedBy.append(site) }
                    } else {
                        index[question.id] = items.count
                        items.append(Item(question: question, askedBy: [site]))
                    }
                }
            }
        }
        self.items = items
    }

    static func expected(_ q: Question) -> String {
        switch q.expect {
        case .answer(let a): return a
        case .range(let min, let max): return [min.map { ">= \($0)" }, max.map { "<= \($0)" }].compactMap { $0 }.joined(separator: " and ")
        case .withinDays(let d): return "a date within \(d) days of the audit"
        case .unscored: return "(not scored)"
        }
    }

    static func allowed(_ q: Question) -> String {
        let base: String
        switch q.answer {
        case .yesNo: base = "yes | no"
        case .yesPartialNo: base = "yes | partial | no"
        case .number: base = "a number"
        case .date: base = "YYYY-MM-DD"
        case .text: base = "free text"
        }
        return q.allowNA ? base + " | na" : base
    }

    /// CSV that `fairrecruit audit --assessment` reads back: the columns after `comment` are for the
    /// person filling it in and are ignored on reading.
    public func csv(agency: String = "") -> String {
        var lines = ["agency_id,question_id,answer,evidence,comment,question,answers_allowed,expected,asked_by"]
        for item in items {
            let q = item.question
            lines.append([agency, q.id, "", "", "", q.text, Self.allowed(q), Self.expected(q), item.askedBy.joined(separator: " ")]
                .map(Self.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The same as XML (`<selfAssessment>` of DESIGN §3.4), each question's text in a comment.
    public func xml(agency: String = "") -> String {
        var out = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                   "<!-- Self-assessment for: \(Self.comment(standards.map(\.id).joined(separator: ", "))) -->",
                   "<selfAssessment agency=\"\(Self.attribute(agency))\" name=\"\">"]
        for item in items {
            let q = item.question
            out.append("  <!-- \(Self.comment(q.text)) [\(Self.comment(Self.allowed(q)))] -->")
            out.append("  <answer question=\"\(Self.attribute(q.id))\" value=\"\">")
            out.append("    <evidence></evidence>")
            out.append("    <comment></comment>")
            out.append("  </answer>")
        }
        out.append("</selfAssessment>")
        return out.joined(separator: "\n") + "\n"
    }

    static func attribute(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Text inside `<!-- -->` may not hold `--`.
    static func comment(_ text: String) -> String {
        var result = text
        while result.contains("--") { result = result.replacingOccurrences(of: "--", with: "- -") }
        return result
    }
}

/// The cross-walk: which requirement of which standard implements which ILO principle.
public enum Crosswalk {
    public static func markdown(_ standards: [Standard], references: [(id: String, title: String)]) -> String {
        var out = [
            "# Cross-walk: standards to the ILO General Principles",
            "",
            "Generated from `Standards/*.yaml` by `fairrecruit standards crosswalk`; do not edit by hand",
            "(a test fails when this file is stale).",
            "",
        ]
        let sorted = standards.sorted { $0.id < $1.id }
        for reference in references {
            let rows = sorted.flatMap { s in
                s.requirements.filter { $0.references.contains(reference.id) }.map { (s, $0) }
            }
            out.append("## \(reference.id): \(md(reference.title))")
            out.append("")
            if rows.isEmpty {
                out.append("No requirement in the library implements it yet.")
            } else {
                out.append("| standard | requirement | severity | decided by |")
                out.append("|---|---|---|---|")
                for (s, r) in rows {
                    let decided = r.feeCheck != nil ? "fee records" : (r.checks.contains { if case .registry = $0.kind { true } else { false } } ? "licence registry" : "questions")
                    out.append("| `\(s.id)` | `\(r.id)` \(md(r.title))\(r.verified ? "" : " (unverified)") | \(r.severity.rawValue) | \(decided) |")
                }
            }
            out.append("")
        }
        return out.joined(separator: "\n")
    }
}
