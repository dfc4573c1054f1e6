/// Reads a finding's severity off a `grading` matrix (§3.2, the RBA VAP fee matrix).
public struct GradingTable: Sendable {
    public let grading: Grading
    public init(_ grading: Grading) { self.grading = grading }

    public struct Grade: Sendable, Hashable {
        public var severity: Severity
        /// Names the cell, e.g. "rows[3] column 2 (>= 0.05 months)".
        public var cell: String
        public var withoutWage: Int
    }

    /// - Parameters:
    ///   - affected: each affected worker's depth in months of wage (nil: no wage, deepest column).
    ///   - assessed: workers assessed, the denominator of the share.
    ///   - refunded: every affected worker was refunded within the window (use `refunded_rows`).
    public func grade(affected: [ExactDecimal?], assessed: Int, refunded: Bool) -> Grade {
        let rows = refunded && !grading.refundedRows.isEmpty ? grading.refundedRows : grading.rows
        let table = refunded && !grading.refundedRows.isEmpty ? "refunded_rows" : "rows"
        let count = affected.count
        let rowIndex = rows.firstIndex { row in
            if row.maxShare == nil && row.orMaxWorkers == nil { return true }
            // affected ÷ assessed ≤ max_share, compared exactly as affected ≤ max_share × assessed.
            if let share = row.maxShare, ExactDecimal(count) <= share * ExactDecimal(assessed) { return true }
            if let workers = row.orMaxWorkers, count <= workers { return true }
            return false
        } ?? (rows.count - 1)
        let row = rows[rowIndex]
        let columns = row.severities.count
        // Bounds: column 0 starts at 0, column k at depth[k-1].
        func column(_ depth: ExactDecimal?) -> Int {
            guard let depth else { return columns - 1 }
            var c = 0
            for (k, bound) in grading.depth.enumerated() where depth >= bound { c = k + 1 }
            return min(c, columns - 1)
        }
        var worst: (severity: Severity, column: Int)?
        for depth in affected {
            let c = column(depth)
            let severity = row.severities[c]
            if worst == nil || severity > worst!.severity || (severity == worst!.severity && c > worst!.column) {
                worst = (severity, c)
            }
        }
        let chosen = worst ?? (row.severities[0], 0)
        let lower = chosen.column == 0 ? "0" : grading.depth[chosen.column - 1].description
        return Grade(severity: chosen.severity,
                     cell: "\(table)[\(rowIndex)] column \(chosen.column) (>= \(lower) months of wage)",
                     withoutWage: affected.filter { $0 == nil }.count)
    }
}
