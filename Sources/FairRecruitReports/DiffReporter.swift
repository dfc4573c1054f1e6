import FairRecruitCore

/// `fairrecruit diff OLD.json NEW.json`: the newer report's findings classified against the older
/// one's by fingerprint, exactly as `audit --baseline OLD.json` would, with the change in score
/// and rating.
public struct ReportDiff: Sendable {
    public var old: AuditSnapshot
    public var new: AuditSnapshot
    public var oldFile: String
    public var newFile: String
    /// The newer report's findings, each with its change.
    public var findings: [Finding]
    /// The older report's findings that no longer fail.
    public var fixed: [Finding]

    public init(old: AuditSnapshot, new: AuditSnapshot, oldFile: String, newFile: String) {
        self.old = old; self.new = new; self.oldFile = oldFile; self.newFile = newFile
        var findings = new.findings
        let statuses = new.requirementStatuses
        // A report holds requirement statuses, not check statuses: a check without a finding in a
        // failing requirement is taken as no longer failing.
        fixed = FindingComparison.compare(&findings, agency: new.agencyID, memory: AuditMemory(baseline: old)) { finding in
            statuses["\(finding.standard)/\(finding.requirement)"].map { $0.isFailing ? .met : $0 }
        }
        self.findings = findings
    }

    public var all: [Finding] { findings + fixed }
    public var scoreChange: ExactDecimal? {
        guard let before = old.score, let now = new.score else { return nil }
        return now - before
    }
    func count(_ change: FindingChange) -> Int { all.changeTally[change] ?? 0 }

    public func json() -> String {
        func side(_ s: AuditSnapshot, _ file: String) -> JSONValue {
            .object(["file": .string(file), "asOf": .string(s.asOf.description), "score": JSONReporter.number(s.score), "rating": .string(s.rating)])
        }
        return JSONValue.object([
            "agency": .string(new.agencyID),
            "old": side(old, oldFile), "new": side(new, newFile),
            "scoreChange": JSONReporter.number(scoreChange),
            "counts": .object(FindingChange.allCases.reduce(into: [:]) { $0[$1.rawValue] = .int(count($1)) }),
            "findings": .array(all.map { f in
                let c = f.changeCounts ?? ChangeCounts()
                return .object([
                    "id": .string(f.id), "standard": .string(f.standard), "requirement": .string(f.requirement),
                    "severity": .string(f.severity.rawValue), "status": .string(f.status.rawValue), "message": .string(f.message),
                    "change": .optional(f.change?.rawValue), "workers": .array(f.workers.map { .string($0) }),
                    "changeCounts": .object(["new": .int(c.new), "regressed": .int(c.regressed), "unchanged": .int(c.unchanged), "fixed": .int(c.fixed)]),
                ])
            }),
        ]).serialized()
    }

    public func markdown() -> String {
        var out = ["# FairRecruit diff: \(md(new.agencyID))", ""]
        out.append("| report | audit date | score | rating |")
        out.append("|---|---|---|---|")
        out.append("| old: \(md(oldFile)) | \(old.asOf) | \(Format.score(old.score)) | \(md(old.rating)) |")
        out.append("| new: \(md(newFile)) | \(new.asOf) | \(Format.score(new.score)) | \(md(new.rating)) |")
        out.append("")
        let change = scoreChange.map { ($0.isNegative ? "" : "+") + $0.formatted(minimumFractionDigits: 1) } ?? "—"
        out.append("Score change: \(change); rating \(md(old.rating)) → \(md(new.rating)).")
        out.append("")
        out.append("Findings: \(count(.new)) new, \(count(.regressed)) regressed, \(count(.unchanged)) unchanged, \(count(.fixed)) fixed.")
        out.append("")
        if !all.isEmpty {
            out.append("| finding | change | severity | workers new / regressed / unchanged / fixed | message |")
            out.append("|---|---|---|---|---|")
            for f in all {
                let c = f.changeCounts ?? ChangeCounts()
                let workers = f.workers.isEmpty ? "—" : "\(c.new) / \(c.regressed) / \(c.unchanged) / \(c.fixed)"
                out.append("| `\(code(f.id))` | \(f.change?.rawValue ?? "") | \(f.severity.rawValue) | \(workers) | \(md(f.message)) |")
            }
            out.append("")
        }
        return out.joined(separator: "\n")
    }
}
