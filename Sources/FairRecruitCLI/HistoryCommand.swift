import ArgumentParser
import FairRecruitCore
import FairRecruitHistory
import FairRecruitReports
import Foundation

extension FairRecruitCommand {
    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Agencies' scores and ratings over time, and their actions' states (audits recorded with 'audit --history').",
            subcommands: [List.self, Show.self, ActionCommand.self])
    }
}

struct HistoryOptions: ParsableArguments {
    @Option(help: "The history file (SQLite) that 'audit --history' writes.")
    var history: String

    /// Opens an existing history: reading commands never create one.
    func open() throws(CommandFailure) -> HistoryStore {
        guard FileManager.default.fileExists(atPath: history) else {
            throw CommandFailure(.unreadable, "\(history): error: cannot read file: no such history")
        }
        return try AuditPipeline.openHistory(history)
    }
}

extension ActionState: ExpressibleByArgument {}

extension FairRecruitCommand.History {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every agency in the history, with its score and rating over time.")
        @OptionGroup var options: HistoryOptions

        func run() throws {
            try runReportingFailures { () throws(CommandFailure) -> ExitStatus in
                let store = try options.open()
                let audits: [AuditRecord]
                do throws(HistoryError) { audits = try store.audits() } catch { throw AuditPipeline.failure(error) }
                if audits.isEmpty { print("no audit recorded in \(options.history)"); return .ok }
                var rows: [[String]] = []
                for agency in Array(Set(audits.map(\.agency))).sorted() {
                    let mine = audits.filter { $0.agency == agency }
                    let latest = mine.last!
                    let trend = mine.map { "\($0.asOf) \(Format.score($0.score)) \($0.rating)" }.joined(separator: " → ")
                    rows.append([agency, String(mine.count), latest.asOf.description, Format.score(latest.score), latest.rating, trend])
                }
                print(table(["agency", "audits", "latest", "score", "rating", "over time"], rows))
                return .ok
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One agency's audits and the actions of its latest audit, with their states.",
            discussion: "An action is overdue when its due date is before --as-of (default today) and it is still open or in progress.")
        @Argument(help: "The agency id.") var agency: String
        @OptionGroup var options: HistoryOptions
        @Option(name: .customLong("as-of"), help: "The date overdue is judged on, YYYY-MM-DD (default: today, UTC).")
        var asOf: Day?

        func run() throws {
            try runReportingFailures { () throws(CommandFailure) -> ExitStatus in
                let store = try options.open()
                let audits: [AuditRecord], actions: [TrackedAction]
                do throws(HistoryError) {
                    audits = try store.audits(agency: agency)
                    actions = try store.actions(agency: agency)
                } catch { throw AuditPipeline.failure(error) }
                guard let latest = audits.last else {
                    let known = Array(Set(((try? store.audits()) ?? []).map(\.agency)))
                    let hint = closestMatch(to: agency, in: known).map { "; did you mean '\($0)'?" } ?? ""
                    throw CommandFailure(.usage, "error: no audit of agency '\(agency)' in \(options.history)\(hint)")
                }
                let day = asOf ?? today()
                print("Audits of \(agency)")
                print(table(["as of", "score", "rating", "coverage", "without waivers", "findings", "actions"], audits.map { a in
                    [a.asOf.description, Format.score(a.score), a.rating, Format.coverage(a.coverage),
                     "\(Format.score(a.scoreWithoutWaivers)) \(a.ratingWithoutWaivers)", String(a.findings), String(a.actions)]
                }))
                print("")
                if actions.isEmpty { print("The latest audit (\(latest.asOf)) has no action."); return .ok }
                let overdue = actions.filter { $0.isOverdue(on: day) }.count
                print("Actions of the latest audit (\(latest.asOf)); \(overdue) overdue on \(day)")
                print(table(["action", "severity", "first detected", "due", "state", "since", "overdue"], actions.map { a in
                    [a.id, a.severity, a.firstDetected.description, a.dueDate.description,
                     a.state.rawValue + (a.waived ? " (waived)" : ""), a.stateChangedOn.description, a.isOverdue(on: day) ? "overdue" : ""]
                }))
                return .ok
            }
        }
    }

    struct ActionCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "action",
            abstract: "Record an action's state: open, in_progress, done or verified.",
            discussion: """
            The action id is as in the report (e.g. np-fvft-2015/service-fee-cap, …#claim, …#evidence) and must \
            belong to an audit of the agency in the history. Each change is logged with its date and note. A later \
            audit that still finds an action marked done or verified reopens it.
            """)
        @Argument(help: "The agency id.") var agency: String
        @Argument(help: "The action id.") var action: String
        @Option(help: "The new state.") var state: ActionState
        @Option(help: "The date of the change, YYYY-MM-DD (default: today, UTC).") var on: Day?
        @Option(help: "Why, or the evidence seen.") var note: String = ""
        @OptionGroup var options: HistoryOptions

        func run() throws {
            try runReportingFailures { () throws(CommandFailure) -> ExitStatus in
                let store = try options.open()
                let day = on ?? today()
                do throws(HistoryError) {
                    let before = try store.setState(agency: agency, action: action, to: state, on: day, note: note)
                    print("\(agency) \(action): \(before.rawValue) → \(state.rawValue) on \(day)")
                } catch { throw AuditPipeline.failure(error) }
                return .ok
            }
        }
    }
}
