import FairRecruitCore

/// `report.json`: the stable machine-readable report (§7; schema in Docs/report.schema.json).
///
/// Written with ``JSONWriter`` straight into bytes, with no tree of values in between: every
/// object's keys below are written in sorted order, the order of every report so far (debug
/// builds check it).
public struct JSONReporter: SingleFileReporter {
    public init() {}
    public var fileName: String { "report.json" }

    public func bytes(for report: AuditReport) -> [UInt8] {
        JSONWriter.document(capacity: Self.estimatedSize(report)) { Self.write(report, to: &$0) }
    }

    /// A generous guess at the document's size, so that its bytes are not copied as they grow
    /// (a large allocation's pages that are never written take no memory).
    static func estimatedSize(_ report: AuditReport) -> Int {
        let r = report.result
        let reimbursements = r.actions.reduce(0) { total, action in
            action.reimbursements.reduce(total) { $0 + 300 + 200 * $1.records.count }
        }
        let workers = r.findings.reduce(0) { $0 + 64 * $1.workers.count }
        return 64 * 1024 + reimbursements + workers + 300 * r.pendingRefunds.count + 300 * report.dataQuality.count
    }

    static func write(_ report: AuditReport, to w: inout JSONWriter) {
        let r = report.result
        let overall = r.overall
        let progress = r.progress
        w.object { w in
            w.array("actions") { w in for action in r.actions { Self.action(action, records: r.records, progress: progress != nil, to: &w) } }
            w.object("agency") { w in
                w.field("id", r.agencyID)
                if let name = report.agencyName { w.field("name", name) }
            }
            w.field("asOf", r.asOf)
            w.field("coverage", overall.coverage)
            w.array("dataQuality") { w in
                for note in report.dataQuality {
                    w.object { w in
                        w.field("code", note.code)
                        w.field("file", note.location.file)
                        w.field("line", note.location.line)
                        w.field("message", note.message)
                    }
                }
            }
            w.key("fees"); Self.fees(r.fees, workersFromRecords: r.workersFromRecords, to: &w)
            w.array("findings") { w in
                for finding in r.findings + (progress?.fixedFindings ?? []) { Self.finding(finding, progress: progress != nil, to: &w) }
            }
            w.array("inputs") { w in for input in report.inputs { w.value(Self.input(input)) } }
            w.array("pendingRefunds") { w in
                for p in r.pendingRefunds {
                    w.object { w in
                        w.field("amount", p.amount)
                        w.field("currency", p.currency)
                        w.field("dueDate", p.dueDate)
                        w.field("file", p.location.file)
                        w.field("line", p.location.line)
                        w.field("requirement", p.requirement)
                        w.field("standard", p.standard)
                        w.field("workerId", p.workerID)
                    }
                }
            }
            if let progress {
                w.key("previous")
                if let previous = progress.previous {
                    w.object { w in
                        w.field("asOf", previous.asOf)
                        w.field("rating", previous.rating)
                        w.field("score", previous.score)
                    }
                } else {
                    w.null()
                }
            }
            w.array("principles") { w in
                for standard in r.standards {
                    for principle in standard.principles {
                        let s = r.summary(standard: standard.id, principle: principle.id)
                        w.object { w in
                            w.field("coverage", s.coverage)
                            w.field("id", principle.id)
                            w.field("score", s.score)
                            w.field("standard", standard.id)
                            w.field("title", principle.title)
                        }
                    }
                }
            }
            w.field("rating", overall.rating)
            if progress != nil { w.field("ratingWithoutWaivers", r.overallWithoutWaivers.rating) }
            w.key("reimbursementsDue"); w.value(Self.money(r.reimbursementsDue))
            w.array("requirements") { w in
                for req in r.requirements {
                    w.object { w in
                        w.field("claimContradicted", req.claimContradicted)
                        w.field("id", req.requirement.id)
                        w.field("principle", req.requirement.principle)
                        w.field("severity", req.severity.rawValue)
                        w.field("standard", req.standard)
                        w.field("status", req.status.rawValue)
                        w.field("title", req.requirement.title)
                        w.field("verified", req.requirement.verified)
                        if progress != nil { w.field("waived", req.waiver != nil) }
                        w.field("weight", req.requirement.weight)
                    }
                }
            }
            w.field("schemaVersion", AuditReport.schemaVersion)
            w.field("score", overall.score)
            if let progress { w.field("scoreChange", progress.scoreChange(overall.score)) }
            if progress != nil { w.field("scoreWithoutWaivers", r.overallWithoutWaivers.score) }
            w.array("standards") { w in
                for standard in r.standards {
                    let s = r.summary(standard: standard.id)
                    w.object { w in
                        w.field("coverage", s.coverage)
                        w.field("id", standard.id)
                        w.field("rating", s.rating)
                        w.field("score", s.score)
                        w.field("sha256", standard.sha256)
                        w.field("title", standard.title)
                        w.field("version", standard.version)
                    }
                }
            }
            w.object("tool") { w in
                w.field("name", "fairrecruit")
                w.field("version", report.toolVersion)
            }
            if let progress { w.array("waivers") { w in for outcome in progress.waivers { Self.waiver(outcome, to: &w) } } }
        }
    }

    /// A waiver and what became of it: written only by an audit with a history, baseline or waivers (§7).
    static func waiver(_ outcome: WaiverOutcome, to w: inout JSONWriter) {
        let waiver = outcome.waiver
        w.object { w in
            w.field("agency", waiver.agency)
            w.field("applied", outcome.applied)
            w.field("approver", waiver.approver)
            w.field("expires", waiver.expires)
            w.field("reason", waiver.reason)
            w.field("requirement", "\(waiver.standard)/\(waiver.requirement)")
            w.key("scope")
            if waiver.isScoped {
                w.object { w in
                    w.array("destinations", waiver.destinations)
                    w.array("workers", waiver.workers)
                }
            } else {
                w.null()
            }
            w.field("status", outcome.status.rawValue)
        }
    }

    // The input files, money totals and numbers are few, and the portfolio writes them too: as values.

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

    static func finding(_ f: Finding, progress: Bool, to w: inout JSONWriter) {
        w.object { w in
            if progress {
                w.field("change", f.change?.rawValue)
                let counts = f.changeCounts ?? ChangeCounts()
                w.object("changeCounts") { w in
                    w.field("fixed", counts.fixed)
                    w.field("new", counts.new)
                    w.field("regressed", counts.regressed)
                    w.field("unchanged", counts.unchanged)
                }
            }
            w.field("citation", f.citation)
            w.field("claimContradicted", f.claimContradicted)
            w.array("evidence") { w in
                for location in f.evidence.prefix(AuditReport.maxEvidence) {
                    w.inlineObject { w in
                        w.field("file", location.file)
                        w.field("line", location.line)
                    }
                }
            }
            w.field("evidenceCount", f.evidence.count)
            if let cell = f.gradingCell { w.field("gradingCell", cell) }
            w.field("id", f.id)
            w.field("message", f.message)
            w.field("requirement", f.requirement)
            w.field("severity", f.severity.rawValue)
            w.field("standard", f.standard)
            w.field("status", f.status.rawValue)
            w.field("verified", f.verified)
            if progress { w.field("waived", f.waived) }
            w.array("workers", f.workers)
            w.field("workersAffected", f.workersAffected)
            w.field("workersAssessed", f.workersAssessed)
            w.field("workersRemedied", f.workersRemedied)
            w.field("workersUnclassified", f.workersUnclassified)
        }
    }

    static func fees(_ fees: FeeSummary, workersFromRecords: Bool, to w: inout JSONWriter) {
        w.object { w in
            w.field("costToWageMean", fees.costToWageMean)
            w.field("costToWageMedian", fees.costToWageMedian)
            w.field("denominator", fees.denominator)
            w.field("records", fees.records)
            w.key("workerBorne"); w.value(money(fees.workerBorne))
            w.field("workers", fees.workers)
            w.field("workersCharged", fees.workersCharged)
            w.field("workersCountedFrom", workersFromRecords ? "records" : "roster")
            w.field("workersWithoutWage", fees.workersWithoutWage)
        }
    }

    /// - Parameter records: the audit's records, which reimbursements cite by position.
    static func action(_ a: Action, records: [FeeRecord], progress: Bool, to w: inout JSONWriter) {
        w.object { w in
            w.field("citation", a.citation)
            w.field("dueDate", a.dueDate)
            w.field("evidence", a.evidence)
            if progress { w.field("firstDetected", a.firstDetected) }
            w.field("id", a.id)
            if progress { w.field("overdue", a.overdue) }
            w.field("owner", a.owner.rawValue)
            w.array("reimbursements") { w in
                for r in a.reimbursements {
                    w.object { w in
                        w.field("amount", r.amount)
                        w.field("currency", r.currency)
                        w.field("employer", r.employer)
                        w.field("payer", r.payer.rawValue)
                        w.array("records") { w in
                            // Fields read in place: binding the record to a constant copied all of it.
                            for position in r.records {
                                w.recordCitation(file: records[position].location.file, line: records[position].location.line,
                                                 recordID: records[position].recordID)
                            }
                        }
                        w.field("workerId", r.workerID)
                    }
                }
            }
            w.field("scoreGain", a.scoreGainTenths.map(Format.tenths))
            w.field("severity", a.severity.rawValue)
            if progress { w.field("state", a.state.rawValue) }
            w.field("steps", a.steps)
            w.field("title", a.title)
            if progress { w.field("waived", a.waived) }
        }
    }
}
