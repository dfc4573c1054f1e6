import Foundation

/// Where the shipped library and example data live: the current folder when it is a FairRecruit
/// checkout, else the checkout the executable was built in.
public struct ProjectLayout: Sendable {
    public var root: String
    public var standards: String { root.appendingPath("Standards") }
    public var examples: String { root.appendingPath("Examples") }
    public var reports: String { root.appendingPath("Reports") }
    /// The shipped report templates; `--templates DIR` overrides some of them.
    public var templates: String { root.appendingPath("Templates") }

    /// Fails with a message saying what is missing when no library was found (a binary moved out
    /// of its checkout without `FAIRRECRUIT_HOME`): otherwise the first file looked for is named,
    /// which does not say why it is not there.
    public func requireLibrary() throws(CommandFailure) {
        guard FileManager.default.fileExists(atPath: standards.appendingPath("fee-categories.yaml")) else {
            throw CommandFailure(.unreadable, "error: no FairRecruit library (Standards/, Templates/) in the current folder or beside the "
                                 + "executable: run from a FairRecruit checkout, or set FAIRRECRUIT_HOME to one")
        }
    }

    public static func locate() -> ProjectLayout {
        let fm = FileManager.default
        func isRoot(_ path: String) -> Bool { fm.fileExists(atPath: path.appendingPath("Standards/fee-categories.yaml")) }
        if let override = ProcessInfo.processInfo.environment["FAIRRECRUIT_HOME"], isRoot(override) {
            return ProjectLayout(root: override)
        }
        if isRoot(".") { return ProjectLayout(root: ".") }
        var dir = (CommandLine.arguments.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path } ?? fm.currentDirectoryPath)
        for _ in 0..<8 {
            dir = (dir as NSString).deletingLastPathComponent
            if isRoot(dir) { return ProjectLayout(root: dir) }
            if dir == "/" { break }
        }
        return ProjectLayout(root: ".")
    }
}

extension String {
    func appendingPath(_ component: String) -> String {
        if self == "." { return component }
        return (self as NSString).appendingPathComponent(component)
    }
}
