import FairRecruitCore

/// An audit's result with what the reporters need around it.
public struct AuditReport: Sendable {
    public static let schemaVersion = 1
    /// Evidence locations listed per finding in JSON and Markdown (all of them go to findings.csv).
    public static let maxEvidence = 20
    /// Rejections listed per input file in JSON (all of them go to rejections.csv).
    public static let maxRejections = 100

    public var result: AuditResult
    public var toolVersion: String
    public var agencyName: String?
    public var inputs: [InputReport]
    public var dataQuality: [DataQualityNote]

    public init(result: AuditResult, toolVersion: String, agencyName: String? = nil, inputs: [InputReport], dataQuality: [DataQualityNote]) {
        self.result = result; self.toolVersion = toolVersion; self.agencyName = agencyName
        self.inputs = inputs; self.dataQuality = dataQuality
    }
}

/// One output format.
public protocol Reporter: Sendable {
    /// File name in the output folder, e.g. `report.json`.
    var fileName: String { get }
    func render(_ report: AuditReport) -> String
}
