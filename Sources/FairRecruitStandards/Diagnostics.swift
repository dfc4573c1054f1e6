import FairRecruitCore

/// A problem in a standard or reference file, located to the character.
public struct Diagnostic: Error, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    public init(_ location: SourceLocation, _ message: String) { self.location = location; self.message = message }
    /// `path:line:column: error: message`, the form compilers and editors understand.
    public var description: String { "\(location): error: \(message)" }
    public static func < (a: Self, b: Self) -> Bool { (a.location, a.message) < (b.location, b.message) }
}

/// Collects every problem of a file so that all of them are reported at once.
final class DiagnosticSink {
    private(set) var diagnostics: [Diagnostic] = []
    func error(_ location: SourceLocation, _ message: String) { diagnostics.append(Diagnostic(location, message)) }
}

/// "did you mean 'x'?" when a close candidate exists, else "".
func didYouMean(_ word: String, _ candidates: [String]) -> String {
    guard let match = closestMatch(to: word, in: candidates), match != word else { return "" }
    return "; did you mean '\(match)'?"
}
