import Testing
@testable import FairRecruitCore

@Suite struct ExactDecimalTests {
    @Test func parsesAndPrintsWithoutFloatingPoint() {
        #expect(ExactDecimal.d("10000.10").description == "10000.1")
        #expect(ExactDecimal.d("0.000001").description == "0.000001")
        #expect(ExactDecimal.d("-2.5").description == "-2.5")
        #expect(ExactDecimal.d("1250").formatted(minimumFractionDigits: 2) == "1250.00")
        #expect((ExactDecimal.d("0.1") + ExactDecimal.d("0.2")) == ExactDecimal.d("0.3"))
    }

    @Test func refusesTextThatIsNotAPlainDecimal() {
        for text in ["", "1e5", "1,000", "+5", "1.2.3", "abc", ".", "1.1234567"] {
            #expect(ExactDecimal(parsing: text) == nil, "\(text)")
        }
        #expect(ExactDecimal.hasTooManyFractionDigits("1.1234567"))
    }

    @Test func divisionRoundsHalfAwayFromZeroOnce() {
        #expect((ExactDecimal(1) / ExactDecimal(3))! == ExactDecimal.d("0.333333"))
        #expect((ExactDecimal(2) / ExactDecimal(3))! == ExactDecimal.d("0.666667"))
        #expect(ExactDecimal.d("0.125").rounded(toFractionDigits: 2) == ExactDecimal.d("0.13"))
        #expect(ExactDecimal.d("-0.125").rounded(toFractionDigits: 2) == ExactDecimal.d("-0.13"))
        #expect(ExactDecimal.multiply(ExactDecimal(20), by: ExactDecimal(125), dividedBy: ExactDecimal(1)) == ExactDecimal(2500))
    }

    /// Amounts and rates may each be up to 10^15: their product passes 128 bits. It is worked out
    /// in 256 bits, exactly; a result beyond 10^18 units is refused rather than crashing.
    @Test func aConversionOfHugeValuesIsExactOrRefusedNeverACrash() {
        let amount = ExactDecimal.d("999999999999999.5"), rate = ExactDecimal.d("1000000000000000")
        #expect(ExactDecimal.multiply(amount, by: rate, dividedBy: rate) == amount)
        #expect(ExactDecimal.multiply(amount, by: ExactDecimal(7), dividedBy: ExactDecimal(-21)) == ExactDecimal.d("-333333333333333.166667"))
        #expect(ExactDecimal.multiply(amount, by: rate, dividedBy: ExactDecimal(1)) == nil)
        #expect(ExactDecimal.multiply(ExactDecimal(-1), by: ExactDecimal.d("0.5"), dividedBy: ExactDecimal(3)) == ExactDecimal.d("-0.166667"))
    }
}

@Suite struct DayTests {
    @Test func parsesRealCalendarDatesOnly() {
        #expect(Day(iso: "2024-02-29") != nil)
        #expect(Day(iso: "2025-02-29") == nil)
        #expect(Day(iso: "2026-04-31") == nil)
        #expect(Day(iso: "2026-13-01") == nil)
        #expect(Day(iso: "2026-1-01") == nil)
        #expect(Day(iso: "2026-01-01T00:00") == nil)
        #expect(Day(iso: "1970-01-01")!.ordinal == 0)
    }

    @Test func countsDaysAcrossMonthsAndLeapYears() {
        let asOf = Day(iso: "2026-06-30")!
        #expect((asOf + 30).description == "2026-07-30")
        #expect((asOf + 90).description == "2026-09-28")
        #expect((asOf + 180).description == "2026-12-27")
        #expect(Day(iso: "2024-03-01")! - Day(iso: "2024-02-01")! == 29)
        #expect(Day(iso: "2000-03-01")! - Day(iso: "2000-02-28")! == 2)
    }
}

@Suite struct ExchangeRateTests {
    @Test func usesTheLatestRateOnOrBeforeThePaymentElseTheEarliest() {
        let rates = Fixture.rates
        #expect(rates.rate("NPR", on: Day(iso: "2025-06-01")!) == ExactDecimal(100))
        #expect(rates.rate("NPR", on: Day(iso: "2026-01-01")!) == ExactDecimal(125))
        #expect(rates.rate("NPR", on: Day(iso: "2020-01-01")!) == ExactDecimal(100))
        #expect(rates.convert(ExactDecimal(15000), from: "NPR", to: "USD", on: Day(iso: "2026-03-01")!) == ExactDecimal(120))
        #expect(rates.convert(ExactDecimal(400), from: "MYR", to: "NPR", on: Day(iso: "2026-03-01")!) == ExactDecimal(12500))
        #expect(rates.convert(ExactDecimal(1), from: "XXX", to: "NPR", on: Day(iso: "2026-03-01")!) == nil)
    }
}

@Suite struct TaxonomyTests {
    @Test func groupsAndParentsExpandToCodes() {
        let c = Fixture.categories
        #expect(c.expand("travel") == ["travel", "air_ticket"])
        #expect(c.expand("illegitimate") == ["bribe", "bond"])
        #expect(c.expand(FeeCategories.allGroup)?.count == 7)
        #expect(c.covers(["medical", "travel", "visa", "air_ticket", "bribe"], categories: ["related_cost"], except: ["air_ticket"])
                == [true, true, true, false, false])
        #expect(c.expand("nonsense") == nil)
    }

    @Test func termsMatchWhateverTheCaseAndSeparators() {
        #expect(normalizedTerm("Placement-Fee") == normalizedTerm("placement_fee"))
        #expect(normalizedTerm("  Air   Ticket ") == "air_ticket")
        #expect(closestMatch(to: "recruitment_fe", in: ["recruitment_fee", "medical"]) == "recruitment_fee")
        #expect(closestMatch(to: "zzzz", in: ["recruitment_fee", "medical"]) == nil)
    }
}

@Suite struct TextDecodingTests {
    @Test func acceptsUTF8WithOrWithoutMarkAndUTF16WithMark() throws {
        #expect(try TextDecoding.decode(Array("a,b\n".utf8)).get() == "a,b\n")
        #expect(try TextDecoding.decode([0xEF, 0xBB, 0xBF] + Array("é".utf8)).get() == "é")
        #expect(try TextDecoding.decode([0xFF, 0xFE, 0x61, 0x00, 0xE9, 0x00]).get() == "aé")
        #expect(try TextDecoding.decode([0xFE, 0xFF, 0x00, 0x61, 0x00, 0xE9]).get() == "aé")
    }

    @Test func refusesLatin1AtTheFirstBadByte() {
        let latin1: [UInt8] = Array("ok\nna".utf8) + [0xEF, 0x76, 0x65]   // "naïve" in Latin-1
        guard case .failure(let failure) = TextDecoding.decode(latin1) else { Issue.record("decoded Latin-1"); return }
        #expect(failure.line == 2)
        #expect(failure.column == 3)
    }

    @Test func refusesNULBytes() {
        guard case .failure(let failure) = TextDecoding.decode(Array("a: 1\nb: x".utf8) + [0] + Array("y\n".utf8)) else {
            Issue.record("decoded a NUL byte"); return
        }
        #expect(failure == TextDecoding.Failure(line: 2, column: 5, message: TextDecoding.nulByte))
    }
}

@Suite struct FeeRecordLayoutTests {
    /// A single audit holds every record of the agency at once: a million of them at 368 bytes
    /// (fields in the contract's order) faulted in 32 MB more than at 336.
    @Test func fieldsArePackedWithoutPadding() {
        #expect(MemoryLayout<FeeRecord>.stride == 336)
    }
}
