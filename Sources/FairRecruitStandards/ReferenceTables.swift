import FairRecruitCore

/// The tables beside the standards: fee categories, occupations and cross-walk references.
public struct ReferenceTables: Sendable {
    public var categories: FeeCategories
    public var occupations: Occupations
    /// Reference label → title.
    public var references: [(id: String, title: String)]
    public init(categories: FeeCategories, occupations: Occupations, references: [(id: String, title: String)]) {
        self.categories = categories; self.occupations = occupations; self.references = references
    }
}

enum ReferenceTablesLoader {
    static func categories(_ text: String, file: String, sink: DiagnosticSink) -> FeeCategories {
        guard let root = parseYAML(text, file: file, sink: sink),
              let top = root.mapping("the fee-category file", required: ["schema", "groups", "categories"]) else {
            return FeeCategories(categories: [], groups: [:])
        }
        expectSchema(top["schema"], "fairrecruit/fee-categories@1")
        var categories: [FeeCategories.Category] = []
        var seen = Set<String>()
        for item in top["categories"]?.list("categories") ?? [] {
            guard let fields = item.mapping("a category", required: ["code", "title"], optional: ["parent", "synonyms", "requires_description"]),
                  let code = fields["code"]?.nonEmptyString("code") else { continue }
            if !seen.insert(code).inserted { fields["code"]?.error("duplicate category code '\(code)'") }
            categories.append(FeeCategories.Category(
                code: code, title: fields["title"]?.string("title") ?? code, parent: fields["parent"]?.string("parent"),
                requiresDescription: fields["requires_description"]?.bool("requires_description") ?? false,
                synonyms: fields["synonyms"]?.stringList("synonyms")?.map(\.0) ?? []))
        }
        for (category, item) in zip(categories, top["categories"]?.list("categories") ?? []) {
            if let parent = category.parent, !seen.contains(parent) {
                item.error("unknown parent '\(parent)' of '\(category.code)'\(didYouMean(parent, Array(seen)))")
            }
        }
        var groups: [String: [String]] = [:]
        if let groupNodes = top["groups"], case .mapping(let mapping) = groupNodes.node {
            for (key, value) in mapping {
                let name = key.string ?? ""
                let members = YAMLValue(node: value, file: file, sink: sink).stringList(name) ?? []
                for (member, node) in members where !seen.contains(member) {
                    node.error("unknown category '\(member)' in group '\(name)'\(didYouMean(member, Array(seen)))")
                }
                groups[name] = members.map(\.0)
            }
        } else {
            top["groups"]?.error("expected a mapping of group names to category lists")
        }
        return FeeCategories(categories: categories, groups: groups)
    }

    static func occupations(_ text: String, file: String, sink: DiagnosticSink) -> Occupations {
        guard let root = parseYAML(text, file: file, sink: sink),
              let top = root.mapping("the occupations file", required: ["schema", "occupations"]) else { return Occupations([]) }
        expectSchema(top["schema"], "fairrecruit/occupations@1")
        var result: [Occupations.Occupation] = []
        for item in top["occupations"]?.list("occupations") ?? [] {
            guard let fields = item.mapping("an occupation", required: ["code", "title"], optional: ["synonyms"]),
                  let code = fields["code"]?.nonEmptyString("code") else { continue }
            result.append(Occupations.Occupation(code: code, title: fields["title"]?.string("title") ?? code,
                                                 synonyms: fields["synonyms"]?.stringList("synonyms")?.map(\.0) ?? []))
        }
        return Occupations(result)
    }

    static func references(_ text: String, file: String, sink: DiagnosticSink) -> [(id: String, title: String)] {
        guard let root = parseYAML(text, file: file, sink: sink),
              let top = root.mapping("the references file", required: ["schema", "references"]) else { return [] }
        expectSchema(top["schema"], "fairrecruit/references@1")
        var result: [(id: String, title: String)] = []
        for item in top["references"]?.list("references") ?? [] {
            guard let fields = item.mapping("a reference", required: ["id", "title"]),
                  let id = fields["id"]?.nonEmptyString("id") else { continue }
            result.append((id, fields["title"]?.string("title") ?? id))
        }
        return result
    }

    static func expectSchema(_ value: YAMLValue?, _ expected: String) {
        guard let value, let text = value.string("schema") else { return }
        if text != expected { value.error("unsupported schema '\(text)'; expected '\(expected)'") }
    }
}
