import FairRecruitCore

/// `report.html`: one self-contained page (inline CSS and SVG, no script, no network request)
/// rendered from the `report.html` Mustache template, for reading, printing and sharing.
public struct HTMLReporter: SingleFileReporter {
    public let templates: ReportTemplates

    public init(templates: ReportTemplates) { self.templates = templates }
    public var fileName: String { "report.html" }

    public func bytes(for report: AuditReport) -> [UInt8] {
        Array(templates.render(ReportView(report), template: ReportTemplates.report).utf8)
    }
}
