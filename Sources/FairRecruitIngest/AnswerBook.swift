import FairRecruitCore

/// The §3.4 self-assessment columns.
public enum AnswerColumns {
    public static let required = ["agency_id", "question_id", "answer"]
    public static let all = ["agency_id", "question_id", "answer", "evidence", "comment"]
}

/// Validates self-assessment answers against the questions of the library and keeps, per agency,
/// the first answer to each question.
public final class AnswerBook {
    public let questions: [String: Question]
    public let agencyFilter: String?
    public private(set) var answers: [String: [String: Answer]] = [:]
    public private(set) var files: [InputFileSummary] = []
    public private(set) var otherAgencyRows: [String: Int] = [:]

    public init(questions: [String: Question], agencyFilter: String?) {
        self.questions = questions; self.agencyFilter = agencyFilter
    }

    /// Agency names given in XML self-assessments (`<selfAssessment name="…">`), by agency id.
    public private(set) var agencyNames: [String: String] = [:]

    /// Reads a self-assessment file: XML when its name ends in `.xml`, CSV otherwise.
    public func read(_ path: String) throws(IngestError) {
        if InputFormat.isXML(path) { try readXML(path) } else { try readCSV(path) }
    }

    public func readXML(_ path: String) throws(IngestError) {
        var summary = InputFileSummary(file: path, format: "xml")
        let reader = XMLRowReader(path: path, kind: .selfAssessments, known: AnswerColumns.all)
        try reader.read { add(FieldRow($0, known: AnswerColumns.all), to: &summary) }
        agencyNames.merge(reader.agencyNames) { first, _ in first }
        files.append(summary)
    }

    public func readCSV(_ path: String) throws(IngestError) {
        let reader = try CSVRowReader(path: path, known: AnswerColumns.all, required: AnswerColumns.required)
        var summary = InputFileSummary(file: path, format: "csv")
        while let row = try reader.next() { add(row, to: &summary) }
        files.append(summary)
    }

    public func add(_ row: FieldRow, to summary: inout InputFileSummary) {
        summary.rowsRead += 1
        let agency = row["agency_id"]
        if let filter = agencyFilter, let agency, agency != filter, Validators.isAgencyID(agency) {
            otherAgencyRows[summary.file, default: 0] += 1
            return
        }
        func reject(_ reason: String) { summary.rejections.append(Rejection(location: row.location, reason: reason, agencyID: agency)) }
        if let problem = row.problem { return reject(problem) }
        guard let agency else { return reject("missing agency_id") }
        guard Validators.isAgencyID(agency) else { return reject("invalid agency_id '\(agency)'") }
        guard let questionID = row["question_id"] else { return reject("missing question_id") }
        guard let question = questions[questionID] else {
            let hint = closestMatch(to: questionID, in: Array(questions.keys)).map { "; did you mean '\($0)'?" } ?? ""
            return reject("unknown question '\(questionID)'\(hint)")
        }
        let raw = row["answer"] ?? ""
        var value = raw
        if !raw.isEmpty {
            switch Self.normalize(raw, for: question) {
            case .success(let normalized): value = normalized
            case .failure(let reason): return reject(reason.message)
            }
        }
        if let first = answers[agency]?[questionID] {
            return reject("duplicate answer, first at \(first.location.file):\(first.location.line)")   // §3.2 wording
        }
        if !raw.isEmpty {
            answers[agency, default: [:]][questionID] = Answer(agencyID: agency, questionID: questionID, value: value,
                                                               evidence: row["evidence"], comment: row["comment"], location: row.location)
        }
        summary.acceptedByAgency[agency, default: 0] += 1
    }

    /// The answer in canonical form, or why it does not fit the question (§3.2).
    public static func normalize(_ raw: String, for question: Question) -> Result<String, FeeLedger.Reason> {
        let folded = raw.lowercased()
        if folded == "na" {
            return question.allowNA ? .success("na") : .failure(.init("\(question.id) does not allow 'na'"))
        }
        switch question.answer {
        case .yesNo:
            return ["yes", "no"].contains(folded) ? .success(folded) : .failure(.init("answer '\(raw)' to \(question.id) must be yes or no"))
        case .yesPartialNo:
            return ["yes", "partial", "no"].contains(folded) ? .success(folded)
                : .failure(.init("answer '\(raw)' to \(question.id) must be yes, partial or no"))
        case .number:
            let text = raw.hasPrefix("-") ? String(raw.dropFirst()) : raw
            return ExactDecimal(parsing: Substring(text)) != nil ? .success(raw)
                : .failure(.init("answer '\(raw)' to \(question.id) must be a number (digits and '.', no grouping)"))
        case .date:
            return Day(iso: raw) != nil ? .success(raw) : .failure(.init("answer '\(raw)' to \(question.id) must be a date (YYYY-MM-DD)"))
        case .text:
            return .success(raw)
        }
    }
}
