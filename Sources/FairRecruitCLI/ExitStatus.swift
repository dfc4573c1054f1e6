/// The documented exit codes (§6).
public enum ExitStatus: Int32, Sendable, Comparable {
    case ok = 0
    case thresholdBreached = 1
    case usage = 64
    case badData = 65
    case unreadable = 66
    case `internal` = 70

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// A failure that ends a command: the message (already located) and its exit status.
public struct CommandFailure: Error, Sendable {
    public var status: ExitStatus
    public var messages: [String]
    public init(_ status: ExitStatus, _ messages: [String]) { self.status = status; self.messages = messages }
    public init(_ status: ExitStatus, _ message: String) { self.init(status, [message]) }
}
