import FairRecruitCore
import Foundation

/// A problem with the history file or a report read back; each carries the exit status it means.
public struct HistoryError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case usage, badData, unreadable }
    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }
    public var description: String { message }
}

/// Reads a `report.json` back into what a later audit needs of it: a baseline for
/// `audit --baseline`, either side of `fairrecruit diff`, and the audits stored in the history.
public enum ReportReader {
    public static func snapshot(file path: String) throws(HistoryError) -> AuditSnapshot {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HistoryError(.unreadable, "\(path): error: cannot read file")
        }
        return try snapshot(from: data, file: path)
    }

    /// - Parameter file: names the source in messages.
    public static func snapshot(from data: Data, file: String) throws(HistoryError) -> AuditSnapshot {
        let report: ReportFile
        do {
            report = try JSONDecoder().decode(ReportFile.self, from: data)
        } catch let error as DecodingError {
            throw HistoryError(.badData, "\(file): error: not a FairRecruit report: \(describe(error))")
        } catch {
            throw HistoryError(.badData, "\(file): error: not a FairRecruit report: \(error)")
        }
        guard report.schemaVersion == 1 else {
            throw HistoryError(.badData, "\(file): error: report schemaVersion \(report.schemaVersion) is not supported (expected 1)")
        }
        func bad(_ what: String) -> HistoryError { HistoryError(.badData, "\(file): error: not a FairRecruit report: \(what)") }
        guard let asOf = Day(iso: report.asOf) else { throw bad("asOf '\(report.asOf)' is not a date") }
        var findings: [Finding] = [], fixed: [Finding] = []
        for (i, entry) in report.findings.enumerated() {
            guard let status = Status(rawValue: entry.status), let severity = Severity(rawValue: entry.severity) else {
                throw bad("findings[\(i)] has an unknown status or severity")
            }
            var finding = Finding(
                id: entry.id, standard: entry.standard, requirement: entry.requirement, status: status, severity: severity,
                gradingCell: entry.gradingCell, message: entry.message, citation: entry.citation, verified: entry.verified ?? true,
                claimContradicted: entry.claimContradicted ?? false, workersAffected: entry.workersAffected ?? 0,
                workersAssessed: entry.workersAssessed ?? 0, workersRemedied: entry.workersRemedied ?? 0,
                workersUnclassified: entry.workersUnclassified ?? 0,
                evidence: (entry.evidence ?? []).map { SourceLocation(file: $0.file, line: $0.line) },
                // Reports from before fingerprints name no workers: their findings count as agency-wide.
                workers: entry.workers ?? [])
            finding.change = entry.change.flatMap(FindingChange.init(rawValue:))
            if finding.change == .fixed { fixed.append(finding) } else { findings.append(finding) }
        }
        var actions: [String: AuditSnapshot.ActionRecord] = [:]
        for (i, entry) in report.actions.enumerated() {
            // A report made without history or baseline first detected its actions on its own date.
            guard let detected = entry.firstDetected.map({ Day(iso: $0) }) ?? asOf,
                  let state = entry.state.map({ ActionState(rawValue: $0) }) ?? .open else {
                throw bad("actions[\(i)] has a bad firstDetected or state")
            }
            actions[entry.id] = .init(firstDetected: detected, state: state)
        }
        var statuses: [String: Status] = [:]
        for (i, entry) in report.requirements.enumerated() {
            guard let status = Status(rawValue: entry.status) else { throw bad("requirements[\(i)] has an unknown status") }
            statuses["\(entry.standard)/\(entry.id)"] = status
        }
        return AuditSnapshot(agencyID: report.agency.id, asOf: asOf, score: report.score.map { ExactDecimal(parsing: "\($0)") ?? .zero },
                             rating: report.rating, findings: findings, fixedFindings: fixed, actions: actions,
                             requirementStatuses: statuses)
    }

    /// "missing 'findings[2].id'", "'score' has the wrong type", or the parser's own words.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce("") { text, key in
                if let index = key.intValue { return text + "[\(index)]" }
                return text.isEmpty ? key.stringValue : text + "." + key.stringValue
            }
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing '\(path(context.codingPath + [key]))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "'\(path(context.codingPath))' has the wrong type"
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        @unknown default: return "\(error)"
        }
    }
}

/// The parts of report.json a later audit reads (Docs/report.schema.json); the rest is ignored.
struct ReportFile: Decodable {
    struct Agency: Decodable { var id: String }
    struct Location: Decodable { var file: String; var line: Int }
    struct FindingEntry: Decodable {
        var id: String, standard: String, requirement: String, status: String, severity: String, message: String
        var citation: String?, gradingCell: String?, verified: Bool?, claimContradicted: Bool?
        var workersAffected: Int?, workersAssessed: Int?, workersRemedied: Int?, workersUnclassified: Int?
        var evidence: [Location]?, workers: [String]?, change: String?
    }
    struct ActionEntry: Decodable { var id: String; var firstDetected: String?; var state: String? }
    struct RequirementEntry: Decodable { var standard: String; var id: String; var status: String }
    var schemaVersion: Int
    var asOf: String
    var agency: Agency
    var score: Decimal?
    var rating: String
    var requirements: [RequirementEntry]
    var findings: [FindingEntry]
    var actions: [ActionEntry]
}
