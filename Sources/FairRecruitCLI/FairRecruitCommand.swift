import ArgumentParser
import CMalloc
import FairRecruitCore
import Foundation

/// The `fairrecruit` command line.
public struct FairRecruitCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fairrecruit",
        abstract: "Audit recruitment agencies against ethical-recruitment standards.",
        version: AuditPipeline.toolVersion,
        subcommands: [Audit.self, Batch.self, Standards.self, History.self, Diff.self, Demo.self])

    public init() {}

    /// Parses and runs, keeping the documented exit codes: usage errors 64 (ArgumentParser's own),
    /// the codes commands choose, and 70 for anything unexpected, reported without a stack trace.
    public static func runMain(_ arguments: [String]? = nil) -> Never {
        keepFreedMemory()
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            exit(withError: error)
        }
        do {
            try command.run()
            exit()
        } catch let error as ExitCode {
            exit(withError: error)
        } catch let error as CleanExit {
            exit(withError: error)
        } catch let error as ValidationError {
            exit(withError: error)
        } catch where String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") {
            // A subcommand's `--help` arrives here as ArgumentParser's own (internal) error type.
            exit(withError: error)
        } catch {
            printError("error: internal error: \(error)")
            exit(withError: ExitCode(ExitStatus.internal.rawValue))
        }
    }
}

/// Runs a command body, printing failures to stderr and mapping them to the documented exit codes.
func runReportingFailures(_ body: () throws(CommandFailure) -> ExitStatus) throws {
    let status: ExitStatus
    do {
        status = try body()
    } catch {
        for message in error.messages { printError(message) }
        throw ExitCode(error.status.rawValue)
    }
    if status != .ok { throw ExitCode(status.rawValue) }
}

/// Has glibc keep memory that is freed for the next allocation instead of handing it back to the
/// system at once. Its default moves blocks above a threshold (128 KiB, raised as such blocks are
/// freed) to their own mappings and returns the free top of each thread's heap, so a batch that
/// allocates and frees each agency's records, a few MiB at a time, had the kernel clear fresh pages
/// again and again: 10M records over 1,300 agencies took 430–446K page faults; with these
/// thresholds, 230–232K, peak memory 1.04 → 1.06 GB. (An 8 MiB mmap threshold: 1.2M faults.)
private func keepFreedMemory() {
    fr_keep_freed_memory(32 << 20, 64 << 20)
}

/// Ends the process with `status` while `results` are still alive, so that the system takes
/// back their memory at once: releasing the million records and report lines of a large audit
/// one by one took 0.1–0.15 s of a single core at the end of a run (perf).
func endProcess(_ status: ExitStatus, leaving results: some Any) -> Never {
    withExtendedLifetime(results) { Foundation.exit(Int32(status.rawValue)) }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Today's date in UTC, the default audit date. Only the command line reads the clock.
func today() -> Day {
    let seconds = Int(Date().timeIntervalSince1970)
    return Day(ordinal: seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
}

extension Day: ExpressibleByArgument {
    public init?(argument: String) { self.init(iso: argument) }
}

extension Severity: ExpressibleByArgument {}

extension ExactDecimal: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}
