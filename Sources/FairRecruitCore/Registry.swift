/// One agency's entry in a licence registry (§3.4): what the regulator publishes about its licence.
public struct LicenceEntry: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable { case active, suspended, revoked, expired }

    /// The licence number, compared exactly with the fee records' `agency_id`.
    public var agencyID: String
    public var name: String
    /// ISO 3166-1 alpha-2 code of the licensing country.
    public var country: String
    public var status: Status
    /// The last day the licence is valid; nil when the registry gives no expiry.
    public var expires: Day?
    /// The first day the licence is valid; nil when the registry does not say.
    public var issued: Day?
    /// The day a suspension or revocation took effect; nil when the registry does not say, and
    /// then no payment date is covered by the licence.
    public var statusSince: Day?
    public var location: SourceLocation

    public init(agencyID: String, name: String, country: String, status: Status, expires: Day? = nil, issued: Day? = nil,
                statusSince: Day? = nil, location: SourceLocation) {
        self.agencyID = agencyID; self.name = name; self.country = country; self.status = status
        self.expires = expires; self.issued = issued; self.statusSince = statusSince; self.location = location
    }

    /// Why the licence did not cover a payment made on `day`, or nil when it did.
    public func breach(on day: Day) -> LicenceBreach? {
        if let issued, day < issued { return .beforeIssued(issued) }
        if let expires, expires < day { return .afterExpiry(expires) }
        switch status {
        case .active: return nil
        case .expired where expires != nil: return nil   // dated by its expiry, checked above
        case .suspended, .revoked, .expired:
            guard let since = statusSince else { return .whileStatus(status, since: nil) }
            return since <= day ? .whileStatus(status, since: since) : nil
        }
    }
}

/// How a licence failed to cover a payment.
public enum LicenceBreach: Sendable, Hashable {
    case beforeIssued(Day)
    case afterExpiry(Day)
    /// Suspended or revoked on the payment date; `since` is nil when the registry does not date it.
    case whileStatus(LicenceEntry.Status, since: Day?)

    var description: String {
        switch self {
        case .beforeIssued(let day): "before the licence was issued on \(day)"
        case .afterExpiry(let day): "after the licence expired on \(day)"
        case .whileStatus(let status, let since?): "while the licence was \(status.rawValue) (since \(since))"
        case .whileStatus(let status, nil): "while the licence is \(status.rawValue) (the registry gives no date, so every payment counts)"
        }
    }
}

/// What the licence registry says about the audited agency: passed into the engine as a value.
public enum LicenceLookup: Sendable, Hashable {
    /// No registry was given: registry checks are not assessed.
    case noRegistry
    /// The registry (named by its file) has no entry for the agency; `rejectedRows` are rows for
    /// it that were rejected (a bad value, or the agency listed twice), in file order.
    case notListed(registry: String, rejectedRows: [SourceLocation] = [])
    case listed(LicenceEntry)

    /// `active`, `suspended`, `revoked`, `expired`, `not_listed`, or nil without a registry.
    public var statusName: String? {
        switch self {
        case .noRegistry: nil
        case .notListed: "not_listed"
        case .listed(let entry): entry.status.rawValue
        }
    }
}

/// Evaluates a `registry: {}` check (§3.2): the agency holds an active licence on every payment
/// date of its in-scope fee records (whoever paid: any payment is recruitment activity); an agency
/// missing from the registry breaks it whatever its records. Without a registry: not assessed.
struct RegistryCheckEvaluator {
    let standard: Standard
    let requirement: Requirement
    let input: AuditInput
    let book: PlacementBook
    /// Scoped waivers in force: the placements they cover are left out, as for fee checks.
    let waived: [Waiver]

    func evaluate(index: Int) -> CheckResult {
        var result = CheckResult(index: index, status: .met, isFeeCheck: true, message: "")
        let entry: LicenceEntry?
        switch input.licence {
        case .noRegistry:
            result.status = .notAssessed
            result.message = "licence registry not given"
            result.missing = ["a licence registry (--registry)"]
            return result
        case .notListed:
            entry = nil
        case .listed(let listed):
            entry = listed
            guard input.feesProvided, !book.records.isEmpty else {
                result.status = .notAssessed
                result.message = "no fee records: the payment dates to check the licence against are missing"
                result.missing = ["fee records (--fees)"]
                return result
            }
        }
        let scope = ScopeFilter(standard: standard, requirement: requirement)
        var workers = WorkerOutcomes(workers: book.workerIDs.count)
        var evidence: [Int] = []
        var breaches: [LicenceBreach: Int] = [:]
        for placement in book.placements {
            if waived.contains(where: { $0.covers(worker: placement.workerID, destination: placement.destination) }) { continue }
            var inScope: [Int] = []
            var unknown = false
            for i in placement.records {
                switch scope.match(record: i, of: placement, in: book) {
                case .unknown: unknown = true
                case .inScope: inScope.append(i)
                case .outOfScope: break
                }
            }
            if unknown { workers.add(.unclassified, placement.worker); continue }
            if inScope.isEmpty { continue }
            workers.add(.assessed, placement.worker)
            // Without an entry (not listed) every payment was made without a licence.
            let breaching = inScope.filter { i in
                guard let entry else { return true }
                guard let breach = entry.breach(on: book.records[i].paidOn) else { return false }
                breaches[breach, default: 0] += 1
                return true
            }
            if !breaching.isEmpty { workers.add(.affected, placement.worker); evidence += breaching }
        }
        let counts = workers.counts()
        result.workersAssessed = counts.assessed
        result.workersAffected = counts.affected
        result.workersUnclassified = counts.unclassified
        result.evidence = evidence.sorted().map { book.records[$0].location }
        result.workers = workers.ids(ofAny: .affected, in: book)
        guard let entry else {
            result.status = .notMet
            var rejected = ""
            if case .notListed(_, let rows) = input.licence, !rows.isEmpty {
                let places = rows.map { "\($0.file):\($0.line)" }.joined(separator: ", ")
                rejected = rows.count == 1 ? " (its row at \(places) was rejected)" : " (its rows at \(places) were rejected)"
            }
            result.message = "agency '\(input.agencyID)' is not in the licence registry" + rejected
                + (counts.affected == 0 ? "" : "; \(counts.affected) worker(s) paid an unlicensed agency")
            return result
        }
        if counts.affected > 0 {
            result.status = .notMet
            let kinds = breaches.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key.description < $1.key.description) }
                .map { "\($0.value) payment(s) \($0.key.description)" }
            result.message = "\(counts.affected) of \(counts.assessed) worker(s) paid while licence '\(entry.agencyID)' was not active: "
                + kinds.joined(separator: "; ")
        } else if counts.assessed > 0 {
            result.message = "licence '\(entry.agencyID)' (\(entry.status.rawValue)) covers every payment date of \(counts.assessed) worker(s)"
        } else if counts.unclassified > 0 {
            result.status = .notAssessed
            result.message = "\(counts.unclassified) worker(s) could not be assessed"
            result.missing = ["the attributes this requirement's scope needs (occupation or sector)"]
        } else {
            result.status = .notApplicable
            result.message = "no fee record falls within this requirement's scope"
        }
        return result
    }
}
