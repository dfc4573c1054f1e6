import FairRecruitIngest
import Foundation
import Synchronization

/// Progress of a long batch on stderr, for a person watching a terminal: what was read, then the
/// agencies and records audited, records per second and an estimate of the time left, on one line
/// rewritten in place at most five times a second. Quiet when stderr is not a terminal (a log or a
/// pipe), so that scripts see only warnings and errors.
public final class ProgressMeter: Sendable {
    private struct State {
        var agencies = 0, totalAgencies = 0
        var records = 0, totalRecords = 0
        var started: ContinuousClock.Instant
        var lastShown: ContinuousClock.Instant?
        var readingShown = false
    }
    private let state: Mutex<State>
    private let write: @Sendable (String) -> Void

    /// - Parameter write: where lines go (tests capture them); stderr by default.
    public init(write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.write = write
        state = Mutex(State(started: .now))
    }

    /// A meter when stderr is a terminal, else nil (quiet).
    public static func forTerminal() -> ProgressMeter? { isatty(STDERR_FILENO) == 1 ? ProgressMeter() : nil }

    /// A fee-record file is being read: after the first half second, how far, how fast, how long.
    @Sendable func reading(file: String, bytesRead: Int, size: Int) {
        let line: String? = state.withLock { s in
            let now = ContinuousClock.now
            let seconds = Self.seconds(s.started.duration(to: now))
            guard seconds >= 0.5 else { return nil }
            if let last = s.lastShown, Self.seconds(last.duration(to: now)) < 0.2 { return nil }
            s.lastShown = now
            s.readingShown = true
            return "\r\u{1B}[K" + Self.readingLine(file: file, bytesRead: bytesRead, size: size, seconds: seconds)
        }
        if let line { write(line) }
    }

    /// The inputs are read: say how many rows, how fast, and how much there is to audit.
    func loaded(files: [InputFileSummary], agencies: Int, records: Int) {
        let rows = files.reduce(0) { $0 + $1.rowsRead }
        let line: String = state.withLock { s in
            let seconds = Self.seconds(s.started.duration(to: .now))
            s.totalAgencies = agencies
            s.totalRecords = records
            s.started = .now
            s.lastShown = nil
            defer { s.readingShown = false }
            return (s.readingShown ? "\r\u{1B}[K" : "")
                + "read \(rows) rows from \(files.count) file(s) in \(Self.format(seconds)) s (\(Self.rate(Double(rows), seconds)) rows/s)\n"
        }
        write(line)
    }

    /// The reading line: `reading fees.csv: 412/1104 MiB (95 MiB/s), about 8 s left`.
    static func readingLine(file: String, bytesRead: Int, size: Int, seconds: Double) -> String {
        let mebibytes = { (bytes: Int) in bytes >> 20 }
        var text = "reading \((file as NSString).lastPathComponent): \(mebibytes(bytesRead))/\(mebibytes(size)) MiB (\(rate(Double(mebibytes(bytesRead)), seconds)) MiB/s)"
        if bytesRead < size && bytesRead > 0 && seconds > 0 {
            text += ", about \(Int((Double(size - bytesRead) * seconds / Double(bytesRead)).rounded(.up))) s left"
        }
        return text
    }

    /// One more agency audited, with its records.
    func audited(records: Int) {
        let line: String? = state.withLock { s in
            s.agencies += 1
            s.records += records
            let now = ContinuousClock.now
            if let last = s.lastShown, Self.seconds(last.duration(to: now)) < 0.2, s.agencies < s.totalAgencies { return nil }
            s.lastShown = now
            return "\r\u{1B}[K" + Self.line(agencies: s.agencies, totalAgencies: s.totalAgencies, records: s.records,
                                            totalRecords: s.totalRecords, seconds: Self.seconds(s.started.duration(to: now)))
        }
        if let line { write(line) }
    }

    /// Ends the progress line.
    func finish() {
        let shown = state.withLock { $0.lastShown != nil }
        if shown { write("\n") }
    }

    /// The progress line: `audited 120/507 agencies, 1234567/4000000 records (250000 records/s), about 11 s left`.
    static func line(agencies: Int, totalAgencies: Int, records: Int, totalRecords: Int, seconds: Double) -> String {
        let perSecond = seconds > 0 ? Double(records) / seconds : 0
        var text = "audited \(agencies)/\(totalAgencies) agencies, \(records)/\(totalRecords) records (\(rate(Double(records), seconds)) records/s)"
        if agencies < totalAgencies && perSecond > 0 {
            text += ", about \(Int((Double(totalRecords - records) / perSecond).rounded(.up))) s left"
        }
        return text
    }

    static func rate(_ count: Double, _ seconds: Double) -> Int { seconds > 0 ? Int((count / seconds).rounded()) : Int(count) }
    static func format(_ seconds: Double) -> String { String(format: "%.1f", seconds) }
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
