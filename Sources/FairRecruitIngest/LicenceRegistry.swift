import FairRecruitCore

/// The licence registry columns (§3.4), plus `status_since`, the day a suspension or revocation took effect.
public enum RegistryColumns {
    public static let required = ["agency_id", "name", "country", "licence_status", "licence_expires"]
    public static let optional = ["licence_issued", "status_since"]
    public static let all = required + optional
}

/// A licence registry (`--registry`, CSV): the accepted entries by agency id, and what the file
/// contributed. Bad rows are rejected with their line and reason, like fee records; an agency whose
/// row was rejected counts as not listed. So does an agency with two rows, both rejected: which
/// one holds cannot be told, and keeping the first ignored a revocation in the second.
public struct LicenceRegistry: Sendable {
    public var file: InputFileSummary
    public var entries: [String: LicenceEntry]
    /// The first row of each agency listed twice.
    private var listedTwice: [String: LicenceEntry] = [:]
    /// Where rows for an agency were rejected, so that "not listed" can say why.
    private var rejectedRows: [String: [SourceLocation]] = [:]

    /// What the registry says about one agency, for the engine.
    public func lookup(_ agency: String) -> LicenceLookup {
        entries[agency].map { .listed($0) } ?? .notListed(registry: file.file, rejectedRows: (rejectedRows[agency] ?? []).sorted())
    }

    /// The registered agency ids, sorted.
    public var agencies: [String] { entries.keys.sorted() }

    init(file: InputFileSummary, entries: [String: LicenceEntry]) { self.file = file; self.entries = entries }

    public static func read(_ path: String) throws(IngestError) -> LicenceRegistry {
        let reader = try CSVRowReader(path: path, known: RegistryColumns.all, required: RegistryColumns.required)
        var registry = LicenceRegistry(file: InputFileSummary(file: path, format: "csv"), entries: [:])
        while let row = try reader.next() { registry.add(row) }
        registry.file.rejections.sort { $0.location < $1.location }   // a first row is rejected when its second comes
        return registry
    }

    mutating func add(_ row: FieldRow) {
        file.rowsRead += 1
        switch Self.parse(row) {
        case .failure(let reason):
            file.rejections.append(Rejection(location: row.location, reason: reason.message, agencyID: row["agency_id"]))
            if let id = row["agency_id"] { rejectedRows[id, default: []].append(row.location) }
        case .success(let entry):
            let id = entry.agencyID
            if let first = entries[id] ?? listedTwice[id] {
                let reason = "duplicate agency_id '\(id)', first at \(first.location.file):\(first.location.line); the agency counts as not listed"
                file.rejections.append(Rejection(location: row.location, reason: reason, agencyID: id))
                rejectedRows[id, default: []].append(row.location)
                if entries.removeValue(forKey: id) != nil {
                    rejectedRows[id, default: []].append(first.location)
                    listedTwice[id] = first
                    file.acceptedByAgency[id] = nil
                    let again = "agency_id '\(id)' is listed again at \(row.location.file):\(row.location.line); the agency counts as not listed"
                    file.rejections.append(Rejection(location: first.location, reason: again, agencyID: id))
                }
                return
            }
            entries[entry.agencyID] = entry
            file.acceptedByAgency[entry.agencyID, default: 0] += 1
        }
    }

    static func parse(_ row: FieldRow) -> Result<LicenceEntry, FeeLedger.Reason> {
        typealias Reason = FeeLedger.Reason
        if let problem = row.problem { return .failure(Reason(problem)) }
        for column in ["agency_id", "name", "country", "licence_status"] where row[column] == nil {
            return .failure(Reason("missing \(column)"))
        }
        let agency = row["agency_id"]!
        guard Validators.isAgencyID(agency) else {
            return .failure(Reason("invalid agency_id '\(agency)': 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"))
        }
        guard let country = Validators.country(row["country"]!) else {
            return .failure(Reason("country '\(row["country"]!)' is not an ISO 3166-1 alpha-2 country code"))
        }
        let statusText = row["licence_status"]!
        guard let status = LicenceEntry.Status(rawValue: statusText.lowercased()) else {
            let names = LicenceEntry.Status.allCases.map(\.rawValue)
            let hint = closestMatch(to: statusText.lowercased(), in: names).map { "; did you mean '\($0)'?" } ?? ""
            return .failure(Reason("licence_status '\(statusText)' must be one of \(names.joined(separator: ", "))\(hint)"))
        }
        func date(_ column: String) -> Result<Day?, Reason> {
            guard var text = row[column] else { return .success(nil) }
            return text.withUTF8 { Validators.date($0, column).map { $0 } }
        }
        let expires: Day?, issued: Day?, since: Day?
        switch (date("licence_expires"), date("licence_issued"), date("status_since")) {
        case (.failure(let reason), _, _), (_, .failure(let reason), _), (_, _, .failure(let reason)): return .failure(reason)
        case (.success(let e), .success(let i), .success(let s)): (expires, issued, since) = (e, i, s)
        }
        if status == .expired && expires == nil { return .failure(Reason("licence_status expired needs licence_expires")) }
        if let issued, let expires, expires < issued {
            return .failure(Reason("licence_issued \(issued) is after licence_expires \(expires)"))
        }
        if since != nil && status == .active { return .failure(Reason("status_since is given for an active licence")) }
        return .success(LicenceEntry(agencyID: agency, name: row["name"]!, country: country, status: status,
                                     expires: expires, issued: issued, statusSince: since, location: row.location))
    }
}
