/// A small JSON document built in memory (the portfolio, a diff, report.json's input files and
/// money totals), written by ``JSONWriter`` like every report: keys sorted, two-space indent,
/// numbers written exactly as given (money never passes through floating point). The large parts
/// of report.json are written with ``JSONWriter`` directly, with no tree.
public indirect enum JSONValue: Sendable, Equatable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    /// A number's exact text, e.g. "12500.5".
    case number(String)
    case bool(Bool)
    case null

    public static func int(_ value: Int) -> JSONValue { .number(String(value)) }
    public static func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }

    public func serialized() -> String { String(decoding: JSONWriter.document { $0.value(self) }, as: UTF8.self) }
}

extension JSONWriter {
    mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let b): bool(b)
        case .number(let text): number(text: text)
        case .string(let s): string(s)
        case .array(let items): array { for item in items { $0.value(item) } }
        case .object(let members):
            object { for key in members.keys.sorted() { $0.key(key); $0.value(members[key]!) } }
        }
    }
}
