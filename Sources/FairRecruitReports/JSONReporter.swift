import FairRecruitCore

/// `report.json`: the stable machine-readable report (§7; schema in Docs/report.schema.json).
public struct JSONReporter: SingleFileReporter {
    public init() {}
    public var fileName: String { "report.json" }

    public func render(_ report: AuditReport) -> String { document(report).serialized() }

    public func document(_ report: AuditReport) -> JSONValue {
        let r = report.result
        let overall = r.overall
        var agency: [String: JSONValue] = ["id": .string(r.agencyID)]
        if let name = report.agencyName { agency["name"] = .string(name) }
        var document: [String: JSONValue] = [
            "schemaVersion": .int(AuditReport.schemaVersion),
            "tool": .object(["name": .string("fairrecruit"), "version": .string(report.toolVersion)]),
            "asOf": .string(r.asOf.description),
            "agency": .object(agency),
            "standards": .array(r.standards.map { standard in
                let s = r.summary(standard: standard.id)
                return .object([
                    "id": .string(standard.id), "version": .string(standard.version), "title": .string(standard.title),
                    "sha256": .string(standard.sha256), "score": Self.number(s.score), "rating": .string(s.rating),
                    "coverage": Self.number(s.coverage),
                ])
            }),
            "score": Self.number(overall.score),
            "rating": .string(overall.rating),
            "coverage": Self.number(overall.coverage),
            "principles": .array(r.standards.flatMap { standard in
                standard.principles.map { principle in
                    let s = r.summary(standard: standard.id, principle: principle.id)
                    return .object([
                        "standard": .string(standard.id), "id": .string(principle.id), "title": .string(principle.title),
                        "score": Self.number(s.score), "coverage": Self.number(s.coverage),
                    ])
                }
            }),
            "requirements": .array(r.requirements.map { req in
                var fields: [String: JSONValue] = [
                    "standard": .string(req.standard), "id": .string(req.requirement.id), "title": .string(req.requirement.title),
                    "principle": .string(req.requirement.principle), "severity": .string(req.severity.rawValue),
                    "weight": .int(req.requirement.weight), "status": .string(req.status.rawValue),
                    "claimContradicted": .bool(req.claimContradicted), "verified": .bool(req.requirement.verified),
                ]
                if r.progress != nil { fields["waived"] = .bool(req.waiver != nil) }
                return .object(fields)
            }),
            "findings": .array((r.findings + (r.progress?.fixedFindings ?? [])).map { Self.finding($0, progress: r.progress != nil) }),
            "fees": Self.fees(r.fees, workersFromRecords: r.workersFromRecords),
            "actions": .array(r.actions.map { Self.action($0, progress: r.progress != nil) }),
            "reimbursementsDue": Self.money(r.reimbursementsDue),
            "pendingRefunds": .array(r.pendingRefunds.map { p in
                .object([
                    "standard": .string(p.standard), "requirement": .string(p.requirement), "workerId": .string(p.workerID),
                    "amount": .number(p.amount.description), "currency": .string(p.currency), "dueDate": .string(p.dueDate.description),
                    "file": .string(p.location.file), "line": .int(p.location.line),
                ])
            }),
            "inputs": .array(report.inputs.map(Self.input)),
            "dataQuality": .array(report.dataQuality.map { note in
                .object(["file": .string(note.location.file), "line": .int(note.location.line), "code": .string(note.code),
                         "message": .string(note.message)])
            }),
        ]
        if let progress = r.progress { Self.addProgress(progress, of: r, to: &document) }
        return .object(document)
    }

    /// The fields an audit with a history, baseline or waivers adds at the top level (§7).
    static func addProgress(_ progress: AuditProgress, of r: AuditResult, to document: inout [String: JSONValue]) {
        let without = r.overallWithoutWaivers
        document["scoreWithoutWaivers"] = number(without.score)
        document["ratingWithoutWaivers"] = .string(without.rating)
        document["previous"] = progress.previous.map { previous in
            .object(["asOf": .string(previous.asOf.description), "score": number(previous.score), "rating": .string(previous.rating)])
        } ?? .null
        document["scoreChange"] = number(progress.scoreChange(r.overall.score))
        document["waivers"] = .array(progress.waivers.map { outcome in
            let w = outcome.waiver
            return .object([
                "requirement": .string("\(w.standard)/\(w.requirement)"), "agency": .string(w.agency),
                "expires": .string(w.expires.description), "applied": .bool(outcome.applied), "status": .string(outcome.status.rawValue),
                "scope": w.isScoped ? .object(["workers": .array(w.workers.map { .string($0) }),
                                               "destinations": .array(w.destinations.map { .string($0) })]) : .null,
                "reason": .string(w.reason), "approver": .string(w.approver),
            ])
        })
    }

    /// One input file's accounting (§7, §8); `rowsOtherEmployer` only with `batch --employer`.
    static func input(_ input: InputReport) -> JSONValue {
        var fields: [String: JSONValue] = [
            "file": .string(input.file), "format": .string(input.format), "rowsRead": .int(input.rowsRead),
            "rowsAccepted": .int(input.rowsAccepted), "rowsRejected": .int(input.rowsRejected),
            "rowsOtherAgency": .int(input.rowsOtherAgency),
            "rejections": .array(input.rejections.prefix(AuditReport.maxRejections).map {
                .object(["line": .int($0.line), "reason": .string($0.reason)])
            }),
            "rejectionsTruncated": .bool(input.rejections.count > AuditReport.maxRejections),
        ]
        if let other = input.rowsOtherEmployer { fields["rowsOtherEmployer"] = .int(other) }
        return .object(fields)
    }

    static func number(_ value: ExactDecimal?) -> JSONValue { value.map { .number($0.description) } ?? .null }

    static func money(_ totals: [(currency: String, amount: ExactDecimal)]) -> JSONValue {
        .array(totals.map { .object(["currency": .string($0.currency), "amount": .number($0.amount.description)]) })
    }

    static func finding(_ f: Finding, progress: Bool) -> JSONValue {
        var fields: [String: JSONValue] = [
            "id": .string(f.id), "standard": .string(f.standard), "requirement": .string(f.requirement),
            "status": .string(f.status.rawValue), "severity": .string(f.severity.rawValue), "message": .string(f.message),
            "citation": .optional(f.citation), "verified": .bool(f.verified), "claimContradicted": .bool(f.claimContradicted),
            "workersAffected": .int(f.workersAffected), "workersAssessed": .int(f.workersAssessed),
            "workersRemedied": .int(f.workersRemedied), "workersUnclassified": .int(f.workersUnclassified),
            "evidence": .array(f.evidence.prefix(AuditReport.maxEvidence).map { .object(["file": .string($0.file), "line": .int($0.line)]) }),
            "evidenceCount": .int(f.evidence.count),
        ]
        fields["workers"] = .array(f.workers.map { .string($0) })
        if let cell = f.gradingCell { fields["gradingCell"] = .string(cell) }
        if progress {
            fields["change"] = .optional(f.change?.rawValue)
            let counts = f.changeCounts ?? ChangeCounts()
            fields["changeCounts"] = .object(["new": .int(counts.new), "unchanged": .int(counts.unchanged),
                                              "regressed": .int(counts.regressed), "fixed": .int(counts.fixed)])
            fields["waived"] = .bool(f.waived)
        }
        return .object(fields)
    }

    static func fees(_ fees: FeeSummary, workersFromRecords: Bool) -> JSONValue {
        .object([
            "records": .int(fees.records), "workers": .int(fees.workers), "workersCharged": .int(fees.workersCharged),
            "workerBorne": money(fees.workerBorne), "costToWageMean": number(fees.costToWageMean),
            "costToWageMedian": number(fees.costToWageMedian), "workersWithoutWage": .int(fees.workersWithoutWage),
            "denominator": .int(fees.denominator),
            "workersCountedFrom": .string(workersFromRecords ? "records" : "roster"),
        ])
    }

    static func action(_ a: Action, progress: Bool) -> JSONValue {
        var fields: [String: JSONValue] = [
            "id": .string(a.id), "severity": .string(a.severity.rawValue), "title": .string(a.title),
            "steps": .string(a.steps), "evidence": .string(a.evidence),
            "dueDate": .string(a.dueDate.description), "owner": .string(a.owner.rawValue),
            "scoreGain": a.scoreGainTenths.map { .number(ExactDecimal(scaled: Int128($0) * 100_000).description) } ?? .null,
            "citation": .optional(a.citation),
            "reimbursements": .array(a.reimbursements.map { r in
                .object([
                    "workerId": .string(r.workerID), "amount": .number(r.amount.description), "currency": .string(r.currency),
                    "payer": .string(r.payer.rawValue), "employer": .optional(r.employer),
                    "records": .array(zip(r.records, r.recordIDs).map { location, id in
                        .object(["file": .string(location.file), "line": .int(location.line), "recordId": .optional(id)])
                    }),
                ])
            }),
        ]
        if progress {
            fields["state"] = .string(a.state.rawValue)
            fields["overdue"] = .bool(a.overdue)
            fields["firstDetected"] = .string(a.firstDetected.description)
            fields["waived"] = .bool(a.waived)
        }
        return .object(fields)
    }
}
