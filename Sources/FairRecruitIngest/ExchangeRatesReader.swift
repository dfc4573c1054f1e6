import FairRecruitCore

/// Reads `exchange-rates.csv` (`currency, units_per_usd, as_of, source`). A bad row here stops
/// the audit: amounts converted with a wrong rate would be silently wrong.
public enum ExchangeRatesReader {
    public static func read(_ path: String) throws(IngestError) -> ExchangeRates {
        let reader = try CSVRowReader(path: path, known: ["currency", "units_per_usd", "as_of", "source"],
                                      required: ["currency", "units_per_usd", "as_of", "source"])
        var rates: [ExchangeRates.Rate] = []
        /// The first row of each currency and date, and its rate.
        var firsts: [String: (line: Int, units: ExactDecimal)] = [:]
        while let row = try reader.next() {
            /// An error at the start of `column`'s field, or of the row.
            func fail(_ message: String, at column: String? = nil) -> IngestError {
                .malformed(column.map(row.location(of:)) ?? row.location, message)
            }
            if let problem = row.problem { throw fail(problem) }
            guard let currency = row["currency"], currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                throw fail("currency '\(row["currency"] ?? "")' must be an ISO 4217 code such as NPR", at: "currency")
            }
            guard let text = row["units_per_usd"], let units = ExactDecimal(parsing: Substring(text)), units.isPositive else {
                throw fail("units_per_usd '\(row["units_per_usd"] ?? "")' must be a number above 0", at: "units_per_usd")
            }
            guard let dateText = row["as_of"], let day = Day(iso: dateText) else {
                throw fail("as_of '\(row["as_of"] ?? "")' must be a date (YYYY-MM-DD)", at: "as_of")
            }
            guard let source = row["source"] else { throw fail("source is missing: every rate needs its source", at: "source") }
            // Rates are dollars' worth: a dollar is one dollar (any other figure would scale every conversion).
            if currency == "USD" && units != ExactDecimal(1) {
                throw fail("units_per_usd '\(text)' for USD must be 1: rates are in units per US dollar", at: "units_per_usd")
            }
            // Two rates for one currency on one day: which one holds cannot be told (the last read
            // used to win, silently).
            if let first = firsts["\(currency) \(day)"], first.units != units {
                throw fail("a second rate for \(currency) on \(day) (\(text); \(first.units) at line \(first.line)): which one holds cannot be told", at: "units_per_usd")
            }
            firsts["\(currency) \(day)"] = firsts["\(currency) \(day)"] ?? (row.location.line, units)
            rates.append(ExchangeRates.Rate(currency: currency, unitsPerUSD: units, asOf: day, source: source))
        }
        return ExchangeRates(rates)
    }
}
