import FairRecruitCore

/// An audit's result with what the reporters need around it.
public struct AuditReport: Sendable {
    public static let schemaVersion = 1
    /// Evidence locations listed per finding in JSON, Markdown and HTML (all of them go to findings.csv).
    public static let maxEvidence = 20
    /// Rejections listed per input file in JSON and HTML (all of them go to rejections.csv).
    public static let maxRejections = 100

    public var result: AuditResult
    public var toolVersion: String
    public var agencyName: String?
    public var inputs: [InputReport]
    public var dataQuality: [DataQualityNote]
    /// The agency's accepted answers, so that a question's finding can show the evidence and
    /// comment the agency gave with its answer (HTML only; JSON keeps its §7 fields).
    public var answers: [Answer]

    public init(result: AuditResult, toolVersion: String, agencyName: String? = nil, inputs: [InputReport],
                dataQuality: [DataQualityNote], answers: [Answer] = []) {
        self.result = result; self.toolVersion = toolVersion; self.agencyName = agencyName
        self.inputs = inputs; self.dataQuality = dataQuality; self.answers = answers
    }
}

/// One file a reporter produces, named as it is written in the output folder.
public struct ReportFile: Sendable, Equatable {
    public var name: String
    public var contents: String
    public init(name: String, contents: String) { self.name = name; self.contents = contents }
}

/// One output format. Most formats are one file; CSV is several, so a reporter returns files.
public protocol Reporter: Sendable {
    func files(for report: AuditReport) -> [ReportFile]
}

/// A format that is a single file (`report.json`, `report.md`, `report.html`).
public protocol SingleFileReporter: Reporter {
    /// File name in the output folder, e.g. `report.json`.
    var fileName: String { get }
    func render(_ report: AuditReport) -> String
}

extension SingleFileReporter {
    public func files(for report: AuditReport) -> [ReportFile] { [ReportFile(name: fileName, contents: render(report))] }
}
