/// Progress over time: what an audit remembers of earlier audits (from the history or a baseline
/// report) and the accepted exceptions (waivers) it applies. All of it is passed in as values:
/// the engine reads no file and no clock.

/// One failure as it is recognised from audit to audit: a requirement failing for one worker of one
/// agency. Findings are per check; a fee check's finding has one fingerprint per worker it concerns,
/// and a finding about the agency as a whole (a question, a contradicted claim) has one fingerprint
/// with an empty worker. The check's position is left out on purpose: it moves when a standard is
/// edited, while the standard, requirement, agency and worker do not.
public struct Fingerprint: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var standard: String
    public var requirement: String
    public var agency: String
    /// The worker id, or "" for a finding about the agency as a whole.
    public var worker: String

    public init(standard: String, requirement: String, agency: String, worker: String) {
        self.standard = standard; self.requirement = requirement; self.agency = agency; self.worker = worker
    }
    public var description: String { "\(standard)/\(requirement)/\(agency)/\(worker)" }
    public static func < (a: Self, b: Self) -> Bool {
        (a.standard, a.requirement, a.agency, a.worker) < (b.standard, b.requirement, b.agency, b.worker)
    }
}

/// How a finding compares with the previous audit of the same agency.
public enum FindingChange: String, Sendable, Hashable, CaseIterable {
    /// Failing now; none of its fingerprints failed before.
    case new
    /// Failed in the previous audit; none of its fingerprints fails now (its requirement assessed).
    case fixed
    /// Failing now for a worker (or the agency) that failed in an earlier audit, was not failing in
    /// the previous one, and is back: a fix that did not hold.
    case regressed
    /// Failing now and in the previous audit (possibly for more or fewer workers: see the counts).
    case unchanged
}

/// How many of a finding's fingerprints are in each state.
public struct ChangeCounts: Sendable, Hashable {
    public var new = 0, unchanged = 0, regressed = 0, fixed = 0
    public init(new: Int = 0, unchanged: Int = 0, regressed: Int = 0, fixed: Int = 0) {
        self.new = new; self.unchanged = unchanged; self.regressed = regressed; self.fixed = fixed
    }
}

/// Where an action stands, as people record it with `fairrecruit history action`.
public enum ActionState: String, Sendable, Hashable, CaseIterable {
    case open, inProgress = "in_progress", done, verified
    /// Still to be done: only these can be overdue.
    public var isOutstanding: Bool { self == .open || self == .inProgress }
}

/// An accepted exception: a requirement that does not count against one agency until it expires.
///
/// A waiver without a scope covers the whole requirement, which is then left out of the score (like
/// a requirement that does not apply): accepting an exception is not evidence of compliance, so it
/// never counts as met. A scoped waiver covers only the placements of the listed workers and/or
/// destinations: the requirement's fee check is scored again without them. Waivers change the
/// score and the rating, never what workers are owed.
public struct Waiver: Sendable, Hashable {
    public var standard: String
    public var requirement: String
    public var agency: String
    /// Empty: every worker.
    public var workers: [String]
    /// Empty: every destination.
    public var destinations: [String]
    public var reason: String
    public var approver: String
    /// The last day the waiver applies.
    public var expires: Day
    public var location: SourceLocation

    public init(standard: String, requirement: String, agency: String, workers: [String] = [], destinations: [String] = [],
                reason: String, approver: String, expires: Day, location: SourceLocation) {
        self.standard = standard; self.requirement = requirement; self.agency = agency; self.workers = workers
        self.destinations = destinations; self.reason = reason; self.approver = approver; self.expires = expires
        self.location = location
    }

    public var isScoped: Bool { !workers.isEmpty || !destinations.isEmpty }
    public func isExpired(on day: Day) -> Bool { expires < day }

    /// Whether a placement falls within the waiver's scope.
    func covers(worker: String, destination: String) -> Bool {
        (workers.isEmpty || workers.contains(worker)) && (destinations.isEmpty || destinations.contains(destination))
    }
}

/// What became of one waiver in an audit.
public struct WaiverOutcome: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        /// In force: the requirement is scored without what it covers.
        case applied
        /// Past its expiry date: it no longer applies.
        case expired
        /// Its requirement is not part of this audit.
        case notAudited = "not_audited"
        /// Its requirement was graded critical in this audit and `--allow-critical-waivers` was not given.
        case criticalNotAllowed = "critical_not_allowed"
    }
    public var waiver: Waiver
    public var status: Status
    public var applied: Bool { status == .applied }
}

/// An earlier audit as remembered: the history's latest audit or a report given as a baseline.
public struct AuditSnapshot: Sendable {
    public struct ActionRecord: Sendable, Hashable {
        public var firstDetected: Day
        public var state: ActionState
        public init(firstDetected: Day, state: ActionState) { self.firstDetected = firstDetected; self.state = state }
    }
    public var agencyID: String
    public var asOf: Day
    public var score: ExactDecimal?
    public var rating: String
    /// The failing findings of that audit, with the workers each concerns.
    public var findings: [Finding]
    /// The findings that audit listed as fixed (only reports made with a history or baseline have any).
    public var fixedFindings: [Finding]
    /// Its actions by id.
    public var actions: [String: ActionRecord]
    /// The status of each requirement it audited, by `standard/requirement`.
    public var requirementStatuses: [String: Status]

    public init(agencyID: String, asOf: Day, score: ExactDecimal?, rating: String, findings: [Finding],
                fixedFindings: [Finding] = [], actions: [String: ActionRecord], requirementStatuses: [String: Status] = [:]) {
        self.agencyID = agencyID; self.asOf = asOf; self.score = score; self.rating = rating; self.findings = findings
        self.fixedFindings = fixedFindings; self.actions = actions; self.requirementStatuses = requirementStatuses
    }
}

/// An action state as recorded, with the day it was recorded.
public struct RecordedState: Sendable, Hashable {
    public var state: ActionState
    public var on: Day
    public init(state: ActionState, on: Day) { self.state = state; self.on = on }
}

/// Everything an audit knows of the agency's past. Given (even empty) it turns on the report's
/// progress fields: changes, action states, overdue, scores with and without waivers.
public struct AuditMemory: Sendable {
    /// The audit to compare with; nil for the agency's first audit.
    public var previous: AuditSnapshot?
    /// Fingerprints that failed in any earlier audit, to recognise a regression.
    public var everFailing: Set<Fingerprint>
    /// The latest recorded state of each action (the history); wins over the previous report's.
    public var states: [String: RecordedState]

    public init(previous: AuditSnapshot? = nil, everFailing: Set<Fingerprint> = [], states: [String: RecordedState] = [:]) {
        self.previous = previous; self.everFailing = everFailing; self.states = states
    }

    /// A report given as a baseline: what it found failing, and what it had already seen fixed
    /// (those failed earlier still), are what failed before.
    public init(baseline: AuditSnapshot) {
        let all = (baseline.findings + baseline.fixedFindings).flatMap { $0.fingerprints(agency: baseline.agencyID) }
        self.init(previous: baseline, everFailing: Set(all))
    }
}

extension Sequence where Element == Finding {
    /// How many findings have each change.
    public var changeTally: [FindingChange: Int] {
        reduce(into: [:]) { tally, finding in if let change = finding.change { tally[change, default: 0] += 1 } }
    }
}

extension Finding {
    /// One fingerprint per worker the finding concerns, or one for the agency when it names none.
    public func fingerprints(agency: String) -> [Fingerprint] {
        (workers.isEmpty ? [""] : workers).map { Fingerprint(standard: standard, requirement: requirement, agency: agency, worker: $0) }
    }
}

/// Compares an audit's findings with the previous audit's, fingerprint by fingerprint.
public enum FindingComparison {
    /// Sets `change` and `changeCounts` on each current finding and returns the previous findings
    /// now fixed.
    ///
    /// - A fingerprint failing now is `unchanged` if it failed in the previous audit, `regressed`
    ///   if it did not but failed in an earlier one, else `new`. A finding is `regressed` if any of
    ///   its fingerprints is, else `new` if all are, else `unchanged`.
    /// - A previous finding's fingerprints that no longer fail count as `fixed` in the current
    ///   finding with the same id. A previous finding with no current namesake is listed as fixed
    ///   when none of its fingerprints fails now and its check is now met or not applicable;
    ///   when the check is not assessed or not audited, nothing can be said and it is not listed.
    /// - Parameter checkStatus: the current status of a previous finding's check, nil when its
    ///   requirement is not part of the current audit.
    public static func compare(_ current: inout [Finding], agency: String, memory: AuditMemory,
                               checkStatus: (Finding) -> Status?) -> [Finding] {
        let previous = memory.previous?.findings ?? []
        let wasFailing = Set(previous.flatMap { $0.fingerprints(agency: agency) })
        let nowFailing = Set(current.flatMap { $0.fingerprints(agency: agency) })
        let currentIDs = Dictionary(current.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        for i in current.indices {
            var counts = ChangeCounts()
            for fingerprint in current[i].fingerprints(agency: agency) {
                if wasFailing.contains(fingerprint) { counts.unchanged += 1 }
                else if memory.everFailing.contains(fingerprint) { counts.regressed += 1 }
                else { counts.new += 1 }
            }
            current[i].changeCounts = counts
            current[i].change = counts.regressed > 0 ? .regressed : counts.unchanged == 0 ? .new : .unchanged
        }
        var fixed: [Finding] = []
        for old in previous {
            let gone = old.fingerprints(agency: agency).filter { !nowFailing.contains($0) }
            if let i = currentIDs[old.id] {
                current[i].changeCounts?.fixed += gone.count
                continue
            }
            guard gone.count == old.fingerprints(agency: agency).count,
                  let status = checkStatus(old), status == .met || status == .notApplicable else { continue }
            var entry = old   // listed as it was found, with its current status
            entry.status = status
            entry.change = .fixed
            entry.changeCounts = ChangeCounts(fixed: gone.count)
            entry.waived = false
            fixed.append(entry)
        }
        return fixed.sorted { $0.id < $1.id }
    }
}
