/// The fee-category taxonomy: codes, the parent each rolls up to, groups, and synonyms.
public struct FeeCategories: Sendable {
    public struct Category: Sendable, Hashable {
        public var code: String
        public var title: String
        public var parent: String?
        public var requiresDescription: Bool
        public var synonyms: [String]
        public init(code: String, title: String, parent: String? = nil, requiresDescription: Bool = false, synonyms: [String] = []) {
            self.code = code; self.title = title; self.parent = parent
            self.requiresDescription = requiresDescription; self.synonyms = synonyms
        }
    }

    /// The group that names every category.
    public static let allGroup = "all_recruitment_costs"

    public let categories: [Category]
    public let groups: [String: [String]]
    private let byCode: [String: Category]
    private let lookup: [String: String]
    /// Each code with its descendants, and every code (the all group), worked out once: a batch
    /// resolves every fee check's categories for every agency (a quarter of the engine's
    /// instructions on 200-record agencies, callgrind).
    private let descendants: [String: Set<String>]
    private let allCodes: Set<String>

    public init(categories: [Category], groups: [String: [String]]) {
        self.categories = categories
        self.groups = groups
        let byCode = Dictionary(categories.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        self.byCode = byCode
        var lookup: [String: String] = [:]
        for category in categories {
            lookup[normalizedTerm(category.code)] = category.code
            for synonym in category.synonyms { lookup[normalizedTerm(synonym)] = category.code }
        }
        self.lookup = lookup
        allCodes = Set(categories.map(\.code))
        var descendants: [String: Set<String>] = [:]
        for code in byCode.keys {
            descendants[code] = Set(categories.filter { Self.isDescendant($0.code, of: code, in: byCode, steps: categories.count) }.map(\.code))
        }
        self.descendants = descendants
    }

    public func category(_ code: String) -> Category? { byCode[code] }

    /// The code for a code or synonym as written in a fee record.
    /// A record usually gives the code itself, which is its own normal form: look that up before
    /// normalising (normalising every row's category was a visible cost on large files).
    public func code(for text: String) -> String? { lookup[text] ?? lookup[normalizedTerm(text)] }

    /// Every name a rule may use: codes, groups and the all group.
    public var ruleNames: [String] { categories.map(\.code) + groups.keys.sorted() + [Self.allGroup] }

    /// Every term a fee record may use.
    public var recordTerms: [String] { Array(lookup.keys).sorted() }

    /// The set of codes a rule name stands for (a code includes its descendants), or nil if unknown.
    public func expand(_ name: String) -> Set<String>? {
        if name == Self.allGroup { return allCodes }
        if let members = groups[name] {
            var result = Set<String>()
            for member in members { result.formUnion(expand(member) ?? []) }
            return result
        }
        return descendants[name]
    }

    /// Whether `code` is `ancestor` or below it, following at most `steps` parents (a cycle ends there).
    private static func isDescendant(_ code: String, of ancestor: String, in byCode: [String: Category], steps limit: Int) -> Bool {
        var current: String? = code
        var steps = 0
        while let c = current, steps <= limit {
            if c == ancestor { return true }
            current = byCode[c]?.parent
            steps += 1
        }
        return false
    }

    /// For each of `codes`, whether it is among the codes of `categories` and not among those of
    /// `except`. Each name is expanded once and only the codes asked about are looked up: an
    /// agency uses a handful, and building the set of all a check covers (every code, for the all
    /// group) took most of a check's setup, for every agency of a batch.
    public func covers(_ codes: [String], categories names: [String], except: [String]) -> [Bool] {
        let included = names.compactMap(expand), excluded = except.compactMap(expand)
        return codes.map { code in
            included.contains { $0.contains(code) } && !excluded.contains { $0.contains(code) }
        }
    }
}

/// Occupation codes with synonyms, for scopes and fee records.
public struct Occupations: Sendable {
    public struct Occupation: Sendable, Hashable {
        public var code: String
        public var title: String
        public var synonyms: [String]
        public init(code: String, title: String, synonyms: [String] = []) { self.code = code; self.title = title; self.synonyms = synonyms }
    }
    public let occupations: [Occupation]
    private let lookup: [String: String]
    public init(_ occupations: [Occupation]) {
        self.occupations = occupations
        var lookup: [String: String] = [:]
        for o in occupations {
            lookup[normalizedTerm(o.code)] = o.code
            for s in o.synonyms { lookup[normalizedTerm(s)] = o.code }
        }
        self.lookup = lookup
    }
    public func code(for text: String) -> String? { lookup[text] ?? lookup[normalizedTerm(text)] }
    public var codes: [String] { occupations.map(\.code) }
}

/// Case-folds and treats runs of spaces, hyphens and underscores alike, so that
/// "Placement-Fee", "placement fee" and "placement_fee" name the same thing.
public func normalizedTerm(_ text: String) -> String {
    var result = ""
    var pendingSeparator = false
    for character in text.lowercased() {
        if character == " " || character == "-" || character == "_" || character == "\t" {
            pendingSeparator = !result.isEmpty
        } else {
            if pendingSeparator { result.append("_"); pendingSeparator = false }
            result.append(character)
        }
    }
    return result
}

/// Dated exchange rates, in units of a currency per US dollar.
public struct ExchangeRates: Sendable {
    public struct Rate: Sendable, Hashable {
        public var currency: String
        public var unitsPerUSD: ExactDecimal
        public var asOf: Day
        public var source: String
        public init(currency: String, unitsPerUSD: ExactDecimal, asOf: Day, source: String) {
            self.currency = currency; self.unitsPerUSD = unitsPerUSD; self.asOf = asOf; self.source = source
        }
    }
    /// Per currency, sorted by date.
    private let rates: [String: [Rate]]
    /// The currencies numbered once, for every audit to start from (numbering them took as long
    /// as the rest of an audit's setup, for each agency of a batch).
    let numbered: CurrencyTable

    public init(_ rates: [Rate]) {
        var grouped: [String: [Rate]] = [:]
        for rate in rates { grouped[rate.currency, default: []].append(rate) }
        self.rates = grouped.mapValues { $0.sorted { $0.asOf < $1.asOf } }
        numbered = CurrencyTable(self.rates)
    }

    public var currencies: [String] { rates.keys.sorted() }
    public func knows(_ currency: String) -> Bool { rates[currency] != nil }

    /// The latest rate dated on or before `day`, else the earliest.
    public func rate(_ currency: String, on day: Day) -> ExactDecimal? { Self.rate(in: dated(currency), on: day) }

    /// Converts `amount` from one currency to another at the rates for `day`.
    public func convert(_ amount: ExactDecimal, from: String, to: String, on day: Day) -> ExactDecimal? {
        if from == to { return amount }
        guard let fromRate = rate(from, on: day), let toRate = rate(to, on: day) else { return nil }
        return ExactDecimal.multiply(amount, by: toRate, dividedBy: fromRate)
    }

    /// The rates of one currency, sorted by date.
    func dated(_ currency: String) -> [Rate] { rates[currency] ?? [] }

    /// Of one currency's rates (sorted by date), the latest dated on or before `day`, else the earliest.
    static func rate(in dated: [Rate], on day: Day) -> ExactDecimal? {
        guard var chosen = dated.first else { return nil }
        for rate in dated where rate.asOf <= day { chosen = rate }
        return chosen.unitsPerUSD
    }
}

/// Currencies numbered for one audit, with their rates: the engine converts every record's amount,
/// several times, and this spares two dictionary lookups by currency name for each.
/// Converts exactly as ``ExchangeRates/convert(_:from:to:on:)``.
struct CurrencyTable: Sendable {
    private(set) var names: [String] = []
    private var numbers: [String: Int] = [:]
    private var rates: [[ExchangeRates.Rate]] = []

    /// Numbers every currency that has rates (each sorted by date), in name order; records and
    /// wages may add others, which have none.
    init(_ rates: [String: [ExchangeRates.Rate]]) {
        for (currency, dated) in rates.sorted(by: { $0.key < $1.key }) {
            numbers[currency] = names.count
            names.append(currency)
            self.rates.append(dated)
        }
    }

    /// The currency's number, adding it (without rates) when new.
    mutating func number(_ currency: String) -> Int {
        if let known = numbers[currency] { return known }
        numbers[currency] = names.count
        names.append(currency)
        rates.append([])
        return names.count - 1
    }

    /// Nil for a currency without rates that no record or wage names: nothing converts to it.
    func number(ifKnown currency: String) -> Int? { numbers[currency] }

    func convert(_ amount: ExactDecimal, from: Int, to: Int, on day: Day) -> ExactDecimal? {
        if from == to { return amount }
        guard let fromRate = ExchangeRates.rate(in: rates[from], on: day),
              let toRate = ExchangeRates.rate(in: rates[to], on: day) else { return nil }
        return ExactDecimal.multiply(amount, by: toRate, dividedBy: fromRate)
    }

    /// Sums kept by currency number, as (name, sum) sorted by name; currencies without a sum are left out.
    func byName(_ sums: [ExactDecimal?]) -> [(currency: String, amount: ExactDecimal)] {
        sums.indices.compactMap { currency in sums[currency].map { (currency: names[currency], amount: $0) } }
            .sorted { $0.currency < $1.currency }
    }
}

/// Edit-distance suggestion for "did you mean" messages.
public func closestMatch(to word: String, in candidates: [String]) -> String? {
    let target = Array(word.lowercased())
    var best: (String, Int)?
    for candidate in candidates {
        let c = Array(candidate.lowercased())
        let distance = levenshtein(target, c)
        let limit = max(1, min(target.count, c.count) / 3)
        if distance <= limit, distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
    }
    return best?.0
}

func levenshtein(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
