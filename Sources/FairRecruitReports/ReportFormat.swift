import FairRecruitCore
import Foundation

/// How the reports for people (Markdown, HTML, the command line's tables) write numbers, so all read the same.
public enum Format {
    /// A score to one decimal, or a dash when nothing was assessed.
    public static func score(_ value: ExactDecimal?) -> String { value?.formatted(minimumFractionDigits: 1) ?? "—" }
    public static func coverage(_ value: ExactDecimal?) -> String { value?.formatted(minimumFractionDigits: 3) ?? "—" }
    /// Cost in months of wage.
    static func months(_ value: ExactDecimal?) -> String { value?.formatted(minimumFractionDigits: 2) ?? "—" }
    static func amount(_ value: ExactDecimal) -> String { value.formatted(minimumFractionDigits: 2) }

    /// Totals per currency: `500.00 NPR, 200.00 QAR`, or `none`.
    static func money(_ totals: [(currency: String, amount: ExactDecimal)]) -> String {
        totals.isEmpty ? "none" : totals.map { "\(amount($0.amount)) \($0.currency)" }.joined(separator: ", ")
    }

    /// A change of score with its sign (`+1.5`, `-3.3`, `+0.0`), or a dash when either score is missing.
    static func scoreChange(_ value: ExactDecimal?) -> String {
        value.map { ($0.isNegative ? "" : "+") + $0.formatted(minimumFractionDigits: 1) } ?? "—"
    }

    /// A rating as a CSS class suffix: `a`…`e` or `nr`. A rating read back from a baseline report
    /// is input: anything else is `nr`, so that it never reaches a class attribute as written.
    static func ratingClass(_ rating: String) -> String {
        ["A", "B", "C", "D", "E", "NR"].contains(rating) ? rating.lowercased() : "nr"
    }

    /// How a finding's fingerprints changed: `1 new, 0 regressed, 1 unchanged, 1 fixed`.
    static func changeCounts(_ c: ChangeCounts) -> String {
        "\(c.new) new, \(c.regressed) regressed, \(c.unchanged) unchanged, \(c.fixed) fixed"
    }

    /// An action's score gain (`+55.5`), or a dash for `#evidence` actions, which have none.
    static func gain(_ tenths: Int?) -> String { tenths.map { "+" + Self.tenths($0).formatted(minimumFractionDigits: 1) } ?? "—" }

    /// An integer count of tenths as an exact decimal (875 → 87.5).
    static func tenths(_ value: Int) -> ExactDecimal { ExactDecimal(scaled: Int128(value) * 100_000) }

    /// Messages start lowercase (they also appear mid-sentence); a paragraph starts with a capital.
    static func sentence(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst() + (text.hasSuffix(".") ? "" : ".")
    }

    /// A status as words: `not_met` → `not met`.
    static func status(_ status: Status) -> String { words(status.rawValue) }

    /// A snake_case value as words: `in_progress` → `in progress`.
    static func words(_ raw: String) -> String { raw.replacingOccurrences(of: "_", with: " ") }

    /// An action's kind as the CSV and HTML name it.
    static func kind(_ kind: Action.Kind) -> String {
        switch kind { case .remediation: "remediation"; case .claim: "claim"; case .evidence: "evidence" }
    }
}
