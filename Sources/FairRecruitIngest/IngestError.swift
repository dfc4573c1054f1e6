import FairRecruitCore

/// Why an input file as a whole could not be used. Bad rows are not errors: they are rejections.
public enum IngestError: Error, Sendable, CustomStringConvertible {
    /// The file cannot be opened or read (exit 66).
    case unreadable(path: String, reason: String)
    /// The file's structure or encoding is broken (exit 65).
    case malformed(SourceLocation, String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): error: cannot read file: \(reason)"
        case .malformed(let location, let message): "\(location): error: \(message)"
        }
    }
}
