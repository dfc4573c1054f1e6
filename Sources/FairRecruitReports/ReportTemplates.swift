import Foundation
import Mustache

/// The Mustache templates the HTML reports are rendered from.
///
/// Templates are the `*.mustache` files of a folder, each named by its file name without
/// `.mustache` (`report.html.mustache` is `report.html`); they include each other as partials
/// (`{{> style.css}}`). Several folders can be given: a later folder's template replaces an
/// earlier one of the same name, so `--templates DIR` needs to hold only the templates a user
/// changed, and the shipped `Templates/` folder supplies the rest.
///
/// A page is rendered from a view model of plain structs (`ReportView`). A future portfolio page
/// is one more template (`portfolio.html`) and one more view model rendered the same way.
public struct ReportTemplates: Sendable {
    /// The page of one agency's audit.
    public static let report = "report.html"
    /// A batch's portfolio page, and the script it embeds (its hash goes into the page's
    /// Content-Security-Policy).
    public static let portfolio = "portfolio.html"
    public static let portfolioScript = "portfolio.js"
    public static let portfolioPages = [portfolio, portfolioScript]
    static let fileExtension = ".mustache"

    private let library: MustacheLibrary

    /// Templates from their Mustache source, by name; `files` names where each came from, for
    /// messages. Every template in `required` must be there, so that rendering cannot miss one.
    public init(_ templates: [String: String], files: [String: String] = [:], required: [String] = [report],
                directories: [String] = []) throws(TemplateError) {
        for name in required where templates[name] == nil {
            throw .missing(name: name + Self.fileExtension, directories: directories)
        }
        var library = MustacheLibrary()
        for (name, text) in templates.sorted(by: { $0.key < $1.key }) {
            let file = files[name] ?? name + Self.fileExtension
            do {
                library.register(try MustacheTemplate(string: text), named: name)
            } catch let error as MustacheTemplate.ParserError {
                throw .invalid(file: file, line: error.context.lineNumber, column: error.context.columnNumber,
                               message: Self.describe(error.error))
            } catch {
                throw .invalid(file: file, line: 1, column: 1, message: "\(error)")
            }
        }
        self.library = library
    }

    /// Reads the `*.mustache` files of each folder in turn (later folders win).
    public static func load(from directories: [String], required: [String] = [report]) throws(TemplateError) -> ReportTemplates {
        var texts: [String: String] = [:], files: [String: String] = [:]
        let fm = FileManager.default
        for directory in directories {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
                  let names = try? fm.contentsOfDirectory(atPath: directory) else {
                throw .unreadable(path: directory)
            }
            let templates = names.filter { $0.hasSuffix(fileExtension) }
            if templates.isEmpty { throw .empty(directory: directory) }
            for file in templates {
                let path = (directory as NSString).appendingPathComponent(file)
                guard let data = fm.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                    throw .unreadable(path: path)
                }
                let name = String(file.dropLast(fileExtension.count))
                texts[name] = text
                files[name] = path
            }
        }
        return try ReportTemplates(texts, files: files, required: required, directories: directories)
    }

    /// Renders a view model with a template; the template must exist (`required` when loading).
    public func render(_ view: Any, template name: String) -> String {
        guard let text = library.render(view, withTemplate: name) else {
            preconditionFailure("template \(name) was not loaded")
        }
        return text
    }

    static func describe(_ error: Error) -> String {
        switch error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect: "a section is closed with another name than it was opened with"
        case .unfinishedName: "a tag is not finished (missing '}}')"
        case .expectedSectionEnd: "a section is not closed"
        case .invalidSetDelimiter: "a set-delimiter tag is badly formed"
        case .transformAppliedToInheritanceSection: "a transform is applied to an inheritance section"
        case .illegalTokenInsideInheritSection, .textInsideInheritSection: "an inheritance section holds something other than blocks"
        case .invalidConfigVariableSyntax, .unrecognisedConfigVariable: "a pragma ({{% ... }}) is not understood"
        case nil: "\(error)"
        }
    }
}

/// Why templates could not be used; each message names the file (and line and column).
public enum TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String)
    case empty(directory: String)
    case invalid(file: String, line: Int, column: Int, message: String)
    case missing(name: String, directories: [String])

    public var description: String {
        switch self {
        case .unreadable(let path): "\(path): error: cannot read templates"
        case .empty(let directory): "\(directory): error: no report templates (*.mustache) in this folder"
        case .invalid(let file, let line, let column, let message): "\(file):\(line):\(column): error: \(message)"
        case .missing(let name, let directories): "error: no template '\(name)' in \(directories.joined(separator: ", "))"
        }
    }
}
