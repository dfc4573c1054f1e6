import ArgumentParser
import FairRecruitCore

extension FairRecruitCommand {
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Audit the shipped example agency and write its reports (JSON, Markdown, HTML, CSV) to Reports/demo/.",
            discussion: "The demo agency is described in Examples/demo/README.md. Its audit date is fixed, so the reports are the same on every run.")

        /// The demo's data ends in September 2026; a fixed date keeps its reports reproducible.
        static let asOf = Day(iso: "2026-09-30")!

        @Option(help: "Output folder (default Reports/demo).")
        var output: String?

        func run() throws {
            let layout = ProjectLayout.locate()
            let demo = layout.examples.appendingPath("demo")
            var config = AuditConfiguration(standards: ["employer-pays", "np-fvft-2015"], asOf: Self.asOf,
                                            output: output ?? layout.reports.appendingPath("demo"))
            config.fees = [demo.appendingPath("fees.csv")]
            config.assessments = [demo.appendingPath("assessment.csv")]
            config.formats = AuditConfiguration.Format.allCases   // the demo shows every report
            try runReportingFailures { () throws(CommandFailure) -> ExitStatus in
                try layout.requireLibrary()
                let outcome = try AuditPipeline(layout: layout).run(config)
                printSummary(outcome)
                return .ok
            }
        }
    }
}
