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
    /// The file's UTF-8 text, as bytes: the large reports are built and written as bytes.
    public var bytes: [UInt8]
    public init(name: String, bytes: [UInt8]) { self.name = name; self.bytes = bytes }
    public init(name: String, contents: String) { self.init(name: name, bytes: Array(contents.utf8)) }
    public var contents: String { String(decoding: bytes, as: UTF8.self) }
}

/// One output format. Most formats are one file; CSV is several, so a reporter returns files.
public protocol Reporter: Sendable {
    func files(for report: AuditReport) -> [ReportFile]
}

/// A format that is a single file (`report.json`, `report.md`, `report.html`).
public protocol SingleFileReporter: Reporter {
    /// File name in the output folder, e.g. `report.json`.
    var fileName: String { get }
    /// The file's UTF-8 text.
    func bytes(for report: AuditReport) -> [UInt8]
}

extension SingleFileReporter {
    public func files(for report: AuditReport) -> [ReportFile] { [ReportFile(name: fileName, bytes: bytes(for: report))] }
    /// The file as a String (the audit history keeps report.json as text).
    public func render(_ report: AuditReport) -> String { String(decoding: bytes(for: report), as: UTF8.self) }
}
