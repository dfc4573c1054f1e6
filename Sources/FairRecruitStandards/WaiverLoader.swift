import FairRecruitCore

/// Reads a waivers file (YAML, `fairrecruit/waivers@1`) and checks it against the standards
/// library, reporting every problem at once as `path:line:column: error: message`.
///
/// It lives beside the standards loader because it shares its located YAML reader and needs the
/// library: a waiver names a requirement, and waiving a critical one needs an explicit flag.
public enum WaiverLoader {
    public static let schema = "fairrecruit/waivers@1"
    static let waiverKeys = ["requirement", "agency", "reason", "approver", "expires"]

    /// - Parameter allowCritical: `--allow-critical-waivers`; without it a waiver of a requirement
    ///   declared critical is an error.
    public static func load(_ path: String, library: StandardsLibrary, allowCritical: Bool)
        throws(UnreadableFile) -> (waivers: [Waiver], diagnostics: [Diagnostic]) {
        let sink = DiagnosticSink()
        guard let text = try StandardsLibrary.readText(path, sink: sink) else { return ([], sink.diagnostics) }
        let waivers = parse(text, file: path, standards: library.standards, allowCritical: allowCritical, sink: sink)
        return (waivers, sink.diagnostics.sorted())
    }

    static func parse(_ text: String, file: String, standards: [Standard], allowCritical: Bool, sink: DiagnosticSink) -> [Waiver] {
        guard let root = parseYAML(text, file: file, sink: sink),
              let top = root.mapping("the waivers file", required: ["schema", "waivers"]) else { return [] }
        ReferenceTablesLoader.expectSchema(top["schema"], schema)
        let requirementIDs = standards.flatMap { s in s.requirements.map { "\(s.id)/\($0.id)" } }
        var waivers: [Waiver] = []
        var firstSeen: [String: SourceLocation] = [:]
        for item in top["waivers"]?.list("waivers") ?? [] {
            guard let fields = item.mapping("a waiver", required: waiverKeys, optional: ["scope"]) else { continue }
            var valid = true
            func require<T>(_ value: T?) -> T? { if value == nil { valid = false }; return value }

            let named = require(fields["requirement"]?.nonEmptyString("requirement")) ?? ""
            var requirement: Requirement?
            if let node = fields["requirement"], !named.isEmpty {
                let parts = named.split(separator: "/", omittingEmptySubsequences: false)
                requirement = parts.count == 2 ? standards.first { $0.id == parts[0] }?.requirements.first { $0.id == parts[1] } : nil
                if requirement == nil {
                    node.error("unknown requirement '\(named)' (expected standard/requirement)\(didYouMean(named, requirementIDs))")
                    valid = false
                } else if requirement!.severity == .critical && !allowCritical {
                    node.error("'\(named)' is a critical requirement: waiving it needs --allow-critical-waivers")
                    valid = false
                }
            }
            let agency = require(fields["agency"]?.nonEmptyString("agency")) ?? ""
            if let node = fields["agency"], !agency.isEmpty, !(StandardParser.isIdentifier(agency) && agency.count <= 64) {
                node.error("agency '\(agency)' is not a valid agency id (1-64 letters, digits, '.', '_', '-')")
                valid = false
            }
            let reason = require(fields["reason"]?.nonEmptyString("reason"))
            let approver = require(fields["approver"]?.nonEmptyString("approver"))
            let expires = require(fields["expires"]?.date("expires"))
            var workers: [String] = [], destinations: [String] = []
            if let node = fields["scope"], let scope = node.mapping("a waiver scope", required: [], optional: ["workers", "destinations"]) {
                workers = scope["workers"]?.stringList("workers")?.map(\.0) ?? []
                var codesValid = true
                for (code, codeNode) in scope["destinations"]?.stringList("destinations") ?? [] {
                    if CountryCodes.all.contains(code.uppercased()) { destinations.append(code.uppercased()) }
                    else { codeNode.error("'\(code)' is not an ISO 3166-1 alpha-2 country code"); codesValid = false }
                }
                valid = valid && codesValid
                if workers.isEmpty && destinations.isEmpty && codesValid {
                    node.error("the scope names no workers or destinations; leave it out to waive the whole requirement")
                    valid = false
                } else if let requirement, !requirement.checks.contains(where: { $0.isFee }) {
                    node.error("a scope narrows a fee check, and '\(named)' has none; leave it out to waive the whole requirement")
                    valid = false
                }
            }
            guard valid, let requirement, let reason, let approver, let expires else { continue }
            let key = [named, agency, workers.sorted().joined(separator: ","), destinations.sorted().joined(separator: ",")].joined(separator: "|")
            if let first = firstSeen[key] {
                item.error("duplicate waiver of '\(named)' for agency '\(agency)', first at \(first)")
                continue
            }
            firstSeen[key] = item.location
            waivers.append(Waiver(standard: String(named.split(separator: "/")[0]), requirement: requirement.id, agency: agency,
                                  workers: workers, destinations: destinations, reason: reason, approver: approver,
                                  expires: expires, location: item.location))
        }
        return waivers
    }
}
