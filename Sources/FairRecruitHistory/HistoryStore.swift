import FairRecruitCore
import Foundation
import GRDB

/// One audit as the history lists it.
public struct AuditRecord: Sendable, Hashable {
    public var id: Int64
    public var agency: String
    public var asOf: Day
    public var score: ExactDecimal?
    public var rating: String
    public var coverage: ExactDecimal?
    public var scoreWithoutWaivers: ExactDecimal?
    public var ratingWithoutWaivers: String
    public var findings: Int
    public var actions: Int
    public var fingerprints: Int
}

/// An action of an agency's latest audit, with its state as last recorded.
public struct TrackedAction: Sendable, Hashable {
    public var id: String
    public var severity: String
    public var title: String
    public var firstDetected: Day
    public var dueDate: Day
    public var waived: Bool
    public var state: ActionState
    public var stateChangedOn: Day
    public var note: String

    /// Overdue on `day`: past its due date while still open or in progress, and not waived.
    public func isOverdue(on day: Day) -> Bool { state.isOutstanding && !waived && dueDate < day }
}

/// The audit history: an SQLite file (GRDB) holding every recorded audit of every agency — its
/// scores, its report, the fingerprints of its findings and its actions — and the log of action
/// states.
///
/// Safety: the file is in WAL mode and each audit is written in one IMMEDIATE transaction, so a
/// crash mid-write leaves the history as it was before (SQLite rolls the unfinished transaction
/// back) and two processes recording at once are serialised by SQLite's lock: the second waits
/// (up to ``busyTimeout``), then sees the first's audit. Nothing outside SQLite's own locking is
/// needed, and nothing is installed: SQLite is a library.
public struct HistoryStore: Sendable {
    /// How long a writer waits for another process's transaction to finish.
    public static let busyTimeout: TimeInterval = 60
    static let schemaVersion = 1

    public let path: String
    let pool: DatabasePool
    /// Called once in the middle of recording an audit, inside the transaction (the crash test
    /// stops the process there).
    public var midWriteHook: (@Sendable () -> Void)?

    /// Opens the history file, creating it (and its tables) when it does not exist.
    public init(path: String) throws(HistoryError) {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        var isFolder: ObjCBool = false
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) || !isFolder.boolValue {
            throw HistoryError(.unreadable, "\(path): error: cannot open the history: no folder '\(folder)'")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.label = "fairrecruit.history"
        // Two processes opening a new file at once race to switch it to WAL, and SQLite answers
        // that switch with SQLITE_BUSY at once rather than through the busy timeout (seen in CI as
        // a "locked for 60 s" failure after 3 s). So opening is retried, within the same timeout.
        let deadline = Date().addingTimeInterval(Self.busyTimeout)
        while true {
            do {
                let pool = try DatabasePool(path: path, configuration: configuration)
                try pool.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        try Self.createSchema(db, path: path)
                        return .commit
                    }
                }
                self.pool = pool
                return
            } catch let error as HistoryError {
                throw error
            } catch let error as DatabaseError where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.05)
            } catch {
                throw Self.failure(error, path: path)
            }
        }
    }

    /// Creates the tables on a new file; refuses a database that is not a FairRecruit history.
    static func createSchema(_ db: Database, path: String) throws {
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if version == schemaVersion { return }
        if version > schemaVersion {
            throw HistoryError(.badData, "\(path): error: the history was written by a newer fairrecruit (schema \(version))")
        }
        if try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table'") ?? 0 > 0 {
            throw HistoryError(.badData, "\(path): error: not a FairRecruit history (an SQLite database with other tables)")
        }
        try db.execute(sql: """
            CREATE TABLE audit (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                agency TEXT NOT NULL,
                asOf TEXT NOT NULL,
                score TEXT, rating TEXT NOT NULL, coverage TEXT,
                scoreWithoutWaivers TEXT, ratingWithoutWaivers TEXT NOT NULL,
                findings INTEGER NOT NULL, actions INTEGER NOT NULL,
                fingerprints INTEGER NOT NULL,          -- rows in 'fingerprint', to check completeness
                standards TEXT NOT NULL, toolVersion TEXT NOT NULL,
                report TEXT NOT NULL                    -- the report.json as written
            );
            CREATE INDEX audit_by_agency ON audit(agency, asOf, id);
            CREATE TABLE fingerprint (
                audit INTEGER NOT NULL REFERENCES audit(id) ON DELETE CASCADE,
                standard TEXT NOT NULL, requirement TEXT NOT NULL, worker TEXT NOT NULL,
                PRIMARY KEY (audit, standard, requirement, worker)
            ) WITHOUT ROWID;
            CREATE TABLE action (
                audit INTEGER NOT NULL REFERENCES audit(id) ON DELETE CASCADE,
                id TEXT NOT NULL, position INTEGER NOT NULL,     -- in the report's order
                severity TEXT NOT NULL, title TEXT NOT NULL,
                firstDetected TEXT NOT NULL, dueDate TEXT NOT NULL, state TEXT NOT NULL, waived INTEGER NOT NULL,
                PRIMARY KEY (audit, id)
            ) WITHOUT ROWID;
            CREATE TABLE action_state (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                agency TEXT NOT NULL, action TEXT NOT NULL, state TEXT NOT NULL,
                changedOn TEXT NOT NULL, note TEXT NOT NULL
            );
            CREATE INDEX action_state_by_action ON action_state(agency, action, id);
            PRAGMA user_version = \(schemaVersion);
            """)
    }

    static func failure(_ error: any Error, path: String) -> HistoryError {
        if let error = error as? HistoryError { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                return HistoryError(.badData, "\(path): error: not a FairRecruit history (\(error.message ?? "not an SQLite database"))")
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return HistoryError(.unreadable, "\(path): error: the history stayed locked by another process for \(Int(busyTimeout)) s")
            default:
                return HistoryError(.unreadable, "\(path): error: cannot use the history: \(error.message ?? "\(error.resultCode)")")
            }
        }
        return HistoryError(.unreadable, "\(path): error: cannot use the history: \(error)")
    }

    // MARK: - Recording

    /// Reads what the history remembers of `agency` as of `asOf`, runs `audit` with it, and stores
    /// the audit it returns with its report text — all inside one IMMEDIATE transaction, so the
    /// memory an audit is computed from is the one it is stored on top of.
    public func record<T>(agency: String, asOf: Day, toolVersion: String,
                          _ audit: (AuditMemory) throws -> (result: AuditResult, report: String, value: T)) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var value: T?
                try db.inTransaction(.immediate) {
                    let memory = try Self.memory(db, agency: agency, asOf: asOf)
                    let made = try audit(memory)
                    try insert(made.result, report: made.report, toolVersion: toolVersion, states: memory.states, db)
                    value = made.value
                    return .commit
                }
                return value!
            }
        } catch let error as DatabaseError {
            throw Self.failure(error, path: path)
        }
    }

    /// The latest audit on or before `asOf` (ties: the later recorded), every fingerprint that
    /// failed in any audit up to then, and the latest recorded state of each action.
    static func memory(_ db: Database, agency: String, asOf: Day) throws -> AuditMemory {
        var memory = AuditMemory()
        let day = asOf.description
        if let row = try Row.fetchOne(db, sql: """
            SELECT id, report FROM audit WHERE agency = ? AND asOf <= ? ORDER BY asOf DESC, id DESC LIMIT 1
            """, arguments: [agency, day]) {
            let id: Int64 = row["id"]
            let report: String = row["report"]
            memory.previous = try ReportReader.snapshot(from: Data(report.utf8), file: "history audit #\(id)")
        }
        let rows = try Row.fetchAll(db, sql: """
            SELECT DISTINCT f.standard, f.requirement, f.worker FROM fingerprint f JOIN audit a ON a.id = f.audit
            WHERE a.agency = ? AND a.asOf <= ?
            """, arguments: [agency, day])
        memory.everFailing = Set(rows.map { Fingerprint(standard: $0["standard"], requirement: $0["requirement"], agency: agency, worker: $0["worker"]) })
        for state in try latestStates(db, agency: agency) {
            memory.states[state.action] = RecordedState(state: state.state, on: state.on)
        }
        return memory
    }

    private struct StateRow { var action: String; var state: ActionState; var on: Day; var note: String }

    private static func latestStates(_ db: Database, agency: String) throws -> [StateRow] {
        var latest: [String: StateRow] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT action, state, changedOn, note FROM action_state WHERE agency = ? ORDER BY id",
                                    arguments: [agency]) {
            guard let state = ActionState(rawValue: row["state"]), let on = Day(iso: row["changedOn"] as String) else { continue }
            latest[row["action"]] = StateRow(action: row["action"], state: state, on: on, note: row["note"])
        }
        return latest.values.sorted { $0.action < $1.action }
    }

    private func insert(_ result: AuditResult, report: String, toolVersion: String, states: [String: RecordedState], _ db: Database) throws {
        let overall = result.overall, without = result.overallWithoutWaivers
        let fingerprints = Set(result.findings.flatMap { $0.fingerprints(agency: result.agencyID) }).sorted()
        try db.execute(sql: """
            INSERT INTO audit (agency, asOf, score, rating, coverage, scoreWithoutWaivers, ratingWithoutWaivers,
                               findings, actions, fingerprints, standards, toolVersion, report)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [result.agencyID, result.asOf.description, overall.score?.description, overall.rating,
                             overall.coverage?.description, without.score?.description, without.rating,
                             result.findings.count, result.actions.count, fingerprints.count,
                             result.standards.map { "\($0.id)@\($0.version)" }.joined(separator: ","), toolVersion, report])
        let audit = db.lastInsertedRowID
        let insertFingerprint = try db.makeStatement(sql: "INSERT INTO fingerprint (audit, standard, requirement, worker) VALUES (?, ?, ?, ?)")
        for (i, f) in fingerprints.enumerated() {
            if i == fingerprints.count / 2 { midWriteHook?() }
            try insertFingerprint.execute(arguments: [audit, f.standard, f.requirement, f.worker])
        }
        if fingerprints.isEmpty { midWriteHook?() }
        let insertAction = try db.makeStatement(sql: """
            INSERT INTO action (audit, id, position, severity, title, firstDetected, dueDate, state, waived) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (position, action) in result.actions.enumerated() {
            try insertAction.execute(arguments: [audit, action.id, position, action.severity.rawValue, action.title, action.firstDetected.description,
                                                 action.dueDate.description, action.state.rawValue, action.waived])
            // The log gets a line whenever an audit leaves an action in another state than last recorded.
            let before = states[action.id]?.state
            guard before != action.state else { continue }
            let note = before == nil ? "first detected by the audit of \(result.asOf)"
                : before!.isOutstanding ? "detected again by the audit of \(result.asOf)"
                : "reopened: the audit of \(result.asOf) still finds it"
            try db.execute(sql: "INSERT INTO action_state (agency, action, state, changedOn, note) VALUES (?, ?, ?, ?, ?)",
                           arguments: [result.agencyID, action.id, action.state.rawValue, result.asOf.description, note])
        }
    }

    // MARK: - Reading and action states

    /// Every audit, by agency, then date, then the order recorded.
    public func audits(agency: String? = nil) throws(HistoryError) -> [AuditRecord] {
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT id, agency, asOf, score, rating, coverage, scoreWithoutWaivers, ratingWithoutWaivers, findings, actions, fingerprints
                    FROM audit \(agency == nil ? "" : "WHERE agency = ?") ORDER BY agency, asOf, id
                    """, arguments: StatementArguments(agency.map { [$0] } ?? [])).map { row in
                    AuditRecord(id: row["id"], agency: row["agency"], asOf: Day(iso: row["asOf"] as String) ?? Day(ordinal: 0),
                                score: (row["score"] as String?).flatMap { ExactDecimal(parsing: $0) }, rating: row["rating"],
                                coverage: (row["coverage"] as String?).flatMap { ExactDecimal(parsing: $0) },
                                scoreWithoutWaivers: (row["scoreWithoutWaivers"] as String?).flatMap { ExactDecimal(parsing: $0) },
                                ratingWithoutWaivers: row["ratingWithoutWaivers"], findings: row["findings"], actions: row["actions"],
                                fingerprints: row["fingerprints"])
                }
            }
        } catch {
            throw Self.failure(error, path: path)
        }
    }

    /// The actions of the agency's latest audit, each with its latest recorded state.
    public func actions(agency: String) throws(HistoryError) -> [TrackedAction] {
        do {
            return try pool.read { db in
                let states = Dictionary(uniqueKeysWithValues: try Self.latestStates(db, agency: agency).map { ($0.action, $0) })
                guard let audit = try Int64.fetchOne(db, sql: "SELECT id FROM audit WHERE agency = ? ORDER BY asOf DESC, id DESC LIMIT 1",
                                                     arguments: [agency]) else { return [] }
                return try Row.fetchAll(db, sql: "SELECT * FROM action WHERE audit = ? ORDER BY position", arguments: [audit]).map { row in
                    let id: String = row["id"]
                    let recorded = states[id]
                    return TrackedAction(
                        id: id, severity: row["severity"], title: row["title"],
                        firstDetected: Day(iso: row["firstDetected"] as String) ?? Day(ordinal: 0),
                        dueDate: Day(iso: row["dueDate"] as String) ?? Day(ordinal: 0), waived: row["waived"],
                        state: recorded?.state ?? ActionState(rawValue: row["state"]) ?? .open,
                        stateChangedOn: recorded?.on ?? Day(ordinal: 0), note: recorded?.note ?? "")
                }
            }
        } catch {
            throw Self.failure(error, path: path)
        }
    }

    /// Records a new state for an action some audit of the agency has. Returns the state before.
    public func setState(agency: String, action: String, to state: ActionState, on day: Day, note: String) throws(HistoryError) -> ActionState {
        do {
            return try pool.writeWithoutTransaction { db in
                var before = ActionState.open
                try db.inTransaction(.immediate) {
                    let known = try String.fetchAll(db, sql: """
                        SELECT DISTINCT x.id FROM action x JOIN audit a ON a.id = x.audit WHERE a.agency = ? ORDER BY x.id
                        """, arguments: [agency])
                    guard known.contains(action) else {
                        let agencies = try String.fetchAll(db, sql: "SELECT DISTINCT agency FROM audit ORDER BY agency")
                        if !agencies.contains(agency) {
                            let hint = closestMatch(to: agency, in: agencies).map { "; did you mean '\($0)'?" } ?? ""
                            throw HistoryError(.usage, "error: no audit of agency '\(agency)' in \(path)\(hint)")
                        }
                        let hint = closestMatch(to: action, in: known).map { "; did you mean '\($0)'?" } ?? ""
                        throw HistoryError(.usage, "error: no action '\(action)' in the audits of '\(agency)'\(hint)")
                    }
                    before = try Self.latestStates(db, agency: agency).first { $0.action == action }?.state ?? .open
                    try db.execute(sql: "INSERT INTO action_state (agency, action, state, changedOn, note) VALUES (?, ?, ?, ?, ?)",
                                   arguments: [agency, action, state.rawValue, day.description, note])
                    return .commit
                }
                return before
            }
        } catch {
            throw Self.failure(error, path: path)
        }
    }

    /// The state log of one action, oldest first.
    public func stateLog(agency: String, action: String) throws(HistoryError) -> [(state: ActionState, on: Day, note: String)] {
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT state, changedOn, note FROM action_state WHERE agency = ? AND action = ? ORDER BY id",
                                 arguments: [agency, action]).compactMap { row in
                    guard let state = ActionState(rawValue: row["state"]), let on = Day(iso: row["changedOn"] as String) else { return nil }
                    return (state, on, row["note"])
                }
            }
        } catch {
            throw Self.failure(error, path: path)
        }
    }

    /// SQLite's own check of the file (`PRAGMA integrity_check`): "ok" when sound.
    public func integrityCheck() throws(HistoryError) -> String {
        do {
            return try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
        } catch {
            throw Self.failure(error, path: path)
        }
    }
}
