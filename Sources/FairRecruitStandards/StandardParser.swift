import FairRecruitCore

/// Turns one standard file into a ``Standard``, reporting every problem of §3.1–3.2 at once.
/// Checks that need the whole library (unique ids, shared questions) are done by ``StandardsLibrary``.
struct StandardParser {
    let file: String
    let tables: ReferenceTables
    /// Currencies present in the exchange-rate table: a cap in any other currency cannot be compared.
    let currencies: Set<String>
    let sink: DiagnosticSink

    static let schema = "fairrecruit/standard@1"
    static let topKeys = ["schema", "id", "title", "version", "publisher", "source", "kind", "principles", "requirements"]
    static let requirementKeys = ["id", "principle", "title", "severity", "references", "checks", "remediation", "evidence", "owner"]
    static let requirementOptional = ["weight", "scope", "effective", "citation", "source", "deadline_days", "verified"]
    static let scopeKeys = ["origin", "destination", "sectors", "occupations"]
    static let feeKeys = ["rule", "categories", "except", "cap", "refund_window_days", "refund_within_days", "days", "when", "grading"]
    static let questionKeys = ["id", "text", "answer"]
    static let questionOptional = ["expect", "allow_na", "when"]

    /// Question definitions seen in this file, with where, for library-wide consistency checks.
    var questionSites: [(Question, SourceLocation)] = []
    /// `when` conditions, checked against the library's questions once all files are read.
    var conditionSites: [(Condition, YAMLValue)] = []

    mutating func parse(_ text: String, sha256: String) -> (Standard, idLocation: SourceLocation)? {
        guard let root = parseYAML(text, file: file, sink: sink),
              let top = root.mapping("the standard", required: Self.topKeys, optional: ["scope"]) else { return nil }
        ReferenceTablesLoader.expectSchema(top["schema"], Self.schema)
        let id = top["id"]?.nonEmptyString("id") ?? ""
        if !id.isEmpty && !Self.isKebab(id) { top["id"]?.error("standard id '\(id)' must be lowercase kebab-case (e.g. np-fvft-2015)") }
        let kinds = Standard.Kind.allCases.map(\.rawValue)
        let kind = top["kind"]?.oneOf("kind", Standard.Kind.self, allowed: kinds) ?? .international
        let scope = top["scope"].map { parseScope($0, allowExcept: true) } ?? Scope()
        var principles: [Principle] = []
        for item in top["principles"]?.list("principles") ?? [] {
            guard let fields = item.mapping("a principle", required: ["id", "title"]),
                  let pid = fields["id"]?.nonEmptyString("id") else { continue }
            if principles.contains(where: { $0.id == pid }) { fields["id"]?.error("duplicate principle id '\(pid)'") }
            principles.append(Principle(id: pid, title: fields["title"]?.string("title") ?? pid))
        }
        var requirements: [Requirement] = []
        for item in top["requirements"]?.list("requirements") ?? [] {
            if let requirement = parseRequirement(item, principles: principles, standardScope: scope) {
                if requirements.contains(where: { $0.id == requirement.id }) {
                    item.error("duplicate requirement id '\(requirement.id)'")
                }
                requirements.append(requirement)
            }
        }
        if let list = top["requirements"], requirements.isEmpty, case .sequence(let s) = list.node, s.isEmpty {
            list.error("a standard needs at least one requirement")
        }
        let standard = Standard(
            id: id, title: top["title"]?.string("title") ?? "", version: top["version"]?.string("version") ?? "",
            publisher: top["publisher"]?.string("publisher") ?? "", source: top["source"]?.string("source") ?? "",
            kind: kind, scope: scope, principles: principles, requirements: requirements, path: file, sha256: sha256)
        return (standard, top["id"]?.location ?? root.location)
    }

    static func isKebab(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { part in
            !part.isEmpty && part.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        }
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter || first.isNumber else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
    }

    // MARK: Requirements

    private mutating func parseRequirement(_ item: YAMLValue, principles: [Principle], standardScope: Scope) -> Requirement? {
        guard let fields = item.mapping("a requirement", required: Self.requirementKeys, optional: Self.requirementOptional) else { return nil }
        let id = fields["id"]?.nonEmptyString("id") ?? ""
        if !id.isEmpty && !Self.isKebab(id) { fields["id"]?.error("requirement id '\(id)' must be lowercase kebab-case") }
        let principle = fields["principle"]?.string("principle") ?? ""
        if let node = fields["principle"], !principle.isEmpty, !principles.contains(where: { $0.id == principle }) {
            node.error("unknown principle '\(principle)'\(didYouMean(principle, principles.map(\.id)))")
        }
        let severity = fields["severity"]?.oneOf("severity", Severity.self, allowed: Severity.allCases.map(\.rawValue)) ?? .minor
        let weight = fields["weight"]?.int("weight", in: 1...100)
        let referenceIDs = tables.references.map(\.id)
        var references: [String] = []
        for (reference, node) in fields["references"]?.stringList("references") ?? [] {
            if !referenceIDs.contains(reference) {
                node.error("unknown reference '\(reference)'\(didYouMean(reference, referenceIDs))")
            }
            references.append(reference)
        }
        var scope = Scope()
        if let node = fields["scope"] {
            scope = parseScope(node, allowExcept: true)
            checkNarrower(scope, than: standardScope, node)
        }
        var effective = DateRange()
        if let node = fields["effective"], let range = node.mapping("effective", required: [], optional: ["from", "to"]) {
            effective = DateRange(from: range["from"]?.date("from"), to: range["to"]?.date("to"))
            if let from = effective.from, let to = effective.to, to < from {
                node.error("effective 'to' (\(to)) is before 'from' (\(from))")
            }
        }
        var checks: [Check] = []
        var feeChecks = 0
        let checkItems = fields["checks"]?.list("checks") ?? []
        if let node = fields["checks"], checkItems.isEmpty, case .sequence = node.node { node.error("a requirement needs at least one check") }
        for checkItem in checkItems {
            if case .mapping(let map) = checkItem.node, map["fees"] != nil || map["registry"] != nil {
                feeChecks += 1
                if feeChecks == 2 { checkItem.error("a requirement holds at most one fee check") }
            }
            if let check = parseCheck(checkItem) { checks.append(check) }
        }
        let owners = Owner.allCases.map(\.rawValue)
        return Requirement(
            id: id, principle: principle, title: fields["title"]?.string("title") ?? "", severity: severity, weight: weight,
            references: references, scope: scope, effective: effective, citation: fields["citation"]?.string("citation"),
            source: fields["source"]?.string("source"), checks: checks,
            remediation: fields["remediation"]?.string("remediation") ?? "", evidence: fields["evidence"]?.string("evidence") ?? "",
            owner: fields["owner"]?.oneOf("owner", Owner.self, allowed: owners) ?? .agency,
            deadlineDays: fields["deadline_days"]?.int("deadline_days", in: 1...3650),
            verified: fields["verified"]?.bool("verified") ?? true)
    }

    private func parseScope(_ node: YAMLValue, allowExcept: Bool) -> Scope {
        let optional = allowExcept ? Self.scopeKeys + ["except"] : Self.scopeKeys
        guard let fields = node.mapping(allowExcept ? "scope" : "except", required: [], optional: optional) else { return Scope() }
        func countries(_ key: String) -> [String] {
            (fields[key]?.stringList(key) ?? []).map { code, item in
                if !CountryCodes.isValid(code) {
                    item.error("'\(code)' in \(key) is not an ISO 3166-1 alpha-2 country code\(didYouMean(code.uppercased(), Array(CountryCodes.all)))")
                }
                return code
            }
        }
        let occupations: [String] = (fields["occupations"]?.stringList("occupations") ?? []).map { text, item in
            guard let code = tables.occupations.code(for: text) else {
                item.error("unknown occupation '\(text)'\(didYouMean(text, tables.occupations.codes))")
                return text
            }
            return code
        }
        var scope = Scope(origin: countries("origin"), destination: countries("destination"),
                          sectors: fields["sectors"]?.stringList("sectors")?.map(\.0) ?? [], occupations: occupations)
        if let except = fields["except"] {
            let inner = parseScope(except, allowExcept: false)
            scope.except = ScopeExcept(origin: inner.origin, destination: inner.destination, sectors: inner.sectors, occupations: inner.occupations)
        }
        return scope
    }

    /// A requirement's scope narrows its standard's, never widens it.
    private func checkNarrower(_ scope: Scope, than standard: Scope, _ node: YAMLValue) {
        let pairs: [(String, [String], [String])] = [
            ("origin", scope.origin, standard.origin), ("destination", scope.destination, standard.destination),
            ("sectors", scope.sectors, standard.sectors), ("occupations", scope.occupations, standard.occupations),
        ]
        for (key, mine, theirs) in pairs where !theirs.isEmpty {
            for value in mine where !theirs.contains(value) {
                node.error("requirement scope is wider than its standard's: \(key) '\(value)' is not in the standard's \(key) [\(theirs.joined(separator: ", "))]")
            }
        }
    }

    // MARK: Checks

    private mutating func parseCheck(_ item: YAMLValue) -> Check? {
        let before = sink.diagnostics.count
        guard let fields = item.mapping("a check", required: [], optional: ["fees", "question", "registry", "when"]) else { return nil }
        let kinds = ["fees", "question", "registry"].filter { fields[$0] != nil }
        guard kinds.count == 1 else {
            if kinds.count > 1 {
                item.error("a check holds exactly one of 'fees', 'question' or 'registry', found \(kinds.joined(separator: " and "))")
            } else if sink.diagnostics.count == before {   // an unknown kind was already reported as an unknown key
                item.error("a check needs one of 'fees', 'question' or 'registry'")
            }
            return nil
        }
        var when: Condition?
        if let node = fields["when"] { when = parseCondition(node) }
        let body = fields[kinds[0]]!
        let kind: Check.Kind
        switch kinds[0] {
        case "fees":
            guard let (fee, innerWhen) = parseFeeCheck(body) else { return nil }
            kind = .fees(fee)
            when = mergeWhen(when, innerWhen, body)
        case "question":
            guard let (question, innerWhen) = parseQuestion(body) else { return nil }
            kind = .question(question)
            when = mergeWhen(when, innerWhen, body)
        default:
            _ = body.mapping("registry", required: [])
            kind = .registry
        }
        return Check(kind, when: when)
    }

    private func mergeWhen(_ outer: Condition?, _ inner: Condition?, _ node: YAMLValue) -> Condition? {
        if outer != nil && inner != nil { node.error("'when' is given twice for this check") }
        return outer ?? inner
    }

    private mutating func parseCondition(_ node: YAMLValue) -> Condition? {
        guard let fields = node.mapping("when", required: ["question", "answer"]),
              let question = fields["question"]?.nonEmptyString("question"),
              let answer = fields["answer"]?.nonEmptyString("answer") else { return nil }
        let condition = Condition(question: question, answer: answer.lowercased())
        conditionSites.append((condition, node))
        return condition
    }

    private mutating func parseFeeCheck(_ node: YAMLValue) -> (FeeCheck, Condition?)? {
        guard let fields = node.mapping("a fee check", required: ["rule", "categories"], optional: Self.feeKeys.filter { $0 != "rule" && $0 != "categories" }) else { return nil }
        let ruleName = fields["rule"]?.string("rule") ?? ""
        let categories = categoryNames(fields["categories"], "categories")
        if let node = fields["categories"], categories.isEmpty, case .sequence = node.node { node.error("'categories' must name at least one category") }
        let except = categoryNames(fields["except"], "except")
        var rule: FeeCheck.Rule?
        switch ruleName {
        case "none_paid_by_worker": rule = .noneByWorker
        case "prohibited": rule = .prohibited
        case "receipts": rule = .receipts
        case "no_wage_deduction": rule = .noWageDeduction
        case "not_before_contract": rule = .notBeforeContract
        case "cap":
            if let capNode = fields["cap"] { rule = parseCap(capNode).map { .cap($0) } }
            else { node.error("rule 'cap' needs a 'cap'") }
        case "refund_within_days":
            // `refund_within_days: N` as the contract writes it (like `cap: …` for rule `cap`);
            // `days: N` is the spelling of earlier versions, still read.
            switch (fields["refund_within_days"], fields["days"]) {
            case let (days?, nil): rule = days.int("refund_within_days", in: 0...3650).map { .refundWithinDays($0) }
            case let (nil, days?): rule = days.int("days", in: 0...3650).map { .refundWithinDays($0) }
            case (_?, let days?): days.error("give the days once, as 'refund_within_days: N'")
            case (nil, nil): node.error("rule 'refund_within_days' needs 'refund_within_days: N' (days)")
            }
        default:
            fields["rule"]?.error("unknown fee rule '\(ruleName)'; expected one of \(FeeCheck.Rule.names.joined(separator: ", "))\(didYouMean(ruleName, FeeCheck.Rule.names))")
        }
        if ruleName != "cap", let capNode = fields["cap"] { capNode.error("'cap' is only used by rule 'cap'") }
        if ruleName != "refund_within_days" {
            for key in ["refund_within_days", "days"] { fields[key]?.error("'\(key)' is only used by rule 'refund_within_days'") }
        }
        let window = fields["refund_window_days"]?.int("refund_window_days", in: 0...3650) ?? 90
        let grading = fields["grading"].flatMap(parseGrading)
        var when: Condition?
        if let node = fields["when"] { when = parseCondition(node) }
        guard let rule else { return nil }
        return (FeeCheck(rule: rule, categories: categories, except: except, refundWindowDays: window, grading: grading), when)
    }

    private func categoryNames(_ node: YAMLValue?, _ key: String) -> [String] {
        guard let node else { return [] }
        let names = tables.categories.ruleNames
        return (node.stringList(key) ?? []).map { name, item in
            if tables.categories.expand(name) == nil {
                item.error("unknown fee category '\(name)'\(didYouMean(name, names))")
            }
            return name
        }
    }

    private func parseCap(_ node: YAMLValue) -> FeeCheck.Cap? {
        guard let fields = node.mapping("cap", required: [], optional: ["amount", "currency", "wage_months", "wage_months_per_contract_year", "max_wage_months"]) else { return nil }
        if let amount = fields["amount"] {
            guard let currencyNode = fields["currency"] else { node.error("a cap with 'amount' needs a 'currency'"); return nil }
            for extra in ["wage_months", "wage_months_per_contract_year", "max_wage_months"] where fields[extra] != nil {
                fields[extra]?.error("'\(extra)' cannot be combined with 'amount'")
            }
            guard let value = nonNegative(amount, "amount"), let currency = currencyNode.nonEmptyString("currency") else { return nil }
            guard currencies.contains(currency) else {
                currencyNode.error("cap currency '\(currency)' is not in the exchange rates\(didYouMean(currency, currencies.sorted()))")
                return nil
            }
            return .amount(value, currency: currency)
        }
        if let months = fields["wage_months"] {
            for extra in ["currency", "wage_months_per_contract_year", "max_wage_months"] where fields[extra] != nil {
                fields[extra]?.error("'\(extra)' cannot be combined with 'wage_months'")
            }
            return nonNegative(months, "wage_months").map { .wageMonths($0) }
        }
        if let perYear = fields["wage_months_per_contract_year"] {
            guard let maxNode = fields["max_wage_months"] else { node.error("'wage_months_per_contract_year' needs 'max_wage_months'"); return nil }
            guard let rate = nonNegative(perYear, "wage_months_per_contract_year"), let max = nonNegative(maxNode, "max_wage_months") else { return nil }
            return .wageMonthsPerContractYear(rate, max: max)
        }
        node.error("a cap needs 'amount' and 'currency', 'wage_months', or 'wage_months_per_contract_year' and 'max_wage_months'")
        return nil
    }

    private func nonNegative(_ node: YAMLValue, _ what: String) -> ExactDecimal? {
        guard let value = node.decimal(what) else { return nil }
        if value.isNegative { node.error("'\(what)' must not be negative"); return nil }
        return value
    }

    private func parseGrading(_ node: YAMLValue) -> Grading? {
        guard let fields = node.mapping("grading", required: ["depth", "rows"], optional: ["refund_window_days", "refunded_rows"]) else { return nil }
        var depth: [ExactDecimal] = []
        for item in fields["depth"]?.list("depth") ?? [] {
            guard let value = item.decimal("depth") else { continue }
            if let last = depth.last, value <= last { item.error("'depth' bounds must increase") }
            if !value.isPositive { item.error("'depth' bounds must be above 0 (the first column starts at 0)") }
            depth.append(value)
        }
        let columns = depth.count + 1
        func rows(_ key: String) -> [Grading.Row] {
            guard let list = fields[key]?.list(key) else { return [] }
            var result: [Grading.Row] = []
            for (index, item) in list.enumerated() {
                guard let row = item.mapping("a grading row", required: ["severities"], optional: ["max_share", "or_max_workers"]) else { continue }
                let share = row["max_share"].flatMap { nonNegative($0, "max_share") }
                if let share, ExactDecimal(1) < share { row["max_share"]?.error("'max_share' must be at most 1") }
                let workers = row["or_max_workers"]?.int("or_max_workers", in: 0...1_000_000)
                let isLast = index == list.count - 1
                if isLast && (row["max_share"] != nil || row["or_max_workers"] != nil) {
                    item.error("the last row of '\(key)' has no bound: it catches every remaining case")
                }
                if !isLast && row["max_share"] == nil && row["or_max_workers"] == nil {
                    item.error("only the last row of '\(key)' may have no bound")
                }
                var severities: [Severity] = []
                for cell in row["severities"]?.list("severities") ?? [] {
                    if let s = cell.oneOf("severity", Severity.self, allowed: Severity.allCases.map(\.rawValue)) { severities.append(s) }
                }
                if severities.count != columns, let cells = row["severities"] {
                    cells.error("a grading row needs \(columns) severities (one per depth column), found \(severities.count)")
                }
                result.append(Grading.Row(maxShare: share, orMaxWorkers: workers, severities: severities))
            }
            if result.isEmpty, let node = fields[key] { node.error("'\(key)' needs at least one row") }
            return result
        }
        let main = rows("rows"), refunded = rows("refunded_rows")
        guard !main.isEmpty, (main + refunded).allSatisfy({ $0.severities.count == columns }) else { return nil }
        return Grading(refundWindowDays: fields["refund_window_days"]?.int("refund_window_days", in: 0...3650) ?? 90,
                       depth: depth, rows: main, refundedRows: refunded)
    }

    private mutating func parseQuestion(_ node: YAMLValue) -> (Question, Condition?)? {
        guard let fields = node.mapping("a question", required: Self.questionKeys, optional: Self.questionOptional),
              let id = fields["id"]?.nonEmptyString("id") else { return nil }
        if !Self.isIdentifier(id) { fields["id"]?.error("question id '\(id)' may hold only letters, digits, '-', '_' and '.'") }
        let types = Question.AnswerType.allCases.map(\.rawValue)
        guard let type = fields["answer"]?.oneOf("answer type", Question.AnswerType.self, allowed: types) else { return nil }
        var expect = Question.Expectation.unscored
        let expectNode = fields["expect"]
        switch type {
        case .yesNo, .yesPartialNo:
            if let expectNode, let text = expectNode.string("expect") {
                if text == "yes" || text == "no" { expect = .answer(text) }
                else { expectNode.error("'expect' for a \(type.rawValue) question is \"yes\" or \"no\", found '\(text)'") }
            } // without 'expect' the question is asked but not scored (e.g. it only selects a 'when')
        case .number:
            if let expectNode, let range = expectNode.mapping("expect", required: [], optional: ["min", "max"]) {
                let min = range["min"]?.decimal("min"), max = range["max"]?.decimal("max")
                if range["min"] == nil && range["max"] == nil { expectNode.error("'expect' for a number question needs 'min' or 'max'") }
                if let min, let max, max < min { expectNode.error("'max' (\(max)) is below 'min' (\(min))") }
                expect = .range(min: min, max: max)
            } else if expectNode == nil { node.error("a number question needs 'expect: {min: N, max: N}'") }
        case .date:
            if let expectNode, let window = expectNode.mapping("expect", required: ["within_days"]) {
                if let days = window["within_days"]?.int("within_days", in: 0...36500) { expect = .withinDays(days) }
            } else if expectNode == nil { node.error("a date question needs 'expect: {within_days: N}'") }
        case .text:
            expectNode?.error("a text question is evidence only and takes no 'expect'")
        }
        let question = Question(id: id, text: fields["text"]?.string("text") ?? "", answer: type, expect: expect,
                                allowNA: fields["allow_na"]?.bool("allow_na") ?? false)
        questionSites.append((question, fields["id"]?.location ?? node.location))
        var when: Condition?
        if let whenNode = fields["when"] { when = parseCondition(whenNode) }
        return (question, when)
    }
}
