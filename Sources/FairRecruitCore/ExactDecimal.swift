/// An exact decimal number with six fractional digits, used for money, wages, rates and ratios.
///
/// Money must never pass through binary floating point: a reimbursement of NPR 10,000.10 must be
/// exactly that. Six digits cover every ISO 4217 minor unit and the precision of published
/// exchange rates; inputs with more digits are rejected rather than silently rounded.
/// Arithmetic is done on a scaled 128-bit integer, so sums are exact and products and quotients
/// round once, half away from zero.
public struct ExactDecimal: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The value times 10^6.
    public let scaled: Int128
    public static let fractionDigits = 6
    public static let scale: Int128 = 1_000_000

    public init(scaled: Int128) { self.scaled = scaled }
    public init(_ integer: Int) { self.scaled = Int128(integer) * Self.scale }

    public static let zero = ExactDecimal(scaled: 0)

    /// Parses plain decimal text: optional `-`, digits, optional `.` and up to six digits.
    /// No exponent, no grouping, no leading `+`. Returns nil for anything else.
    public init?(parsing text: Substring) {
        var copy = String(text)
        guard let value = copy.withUTF8({ Self(utf8: $0) }) else { return nil }
        self = value
    }

    /// ``init(parsing:)`` over UTF-8 bytes, as large inputs are read.
    public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        // Digits are gathered in Int64 (an amount is at most 10^15 whole units) and scaled once:
        // Int128 arithmetic per digit made this a tenth of checking a fee row (callgrind).
        var i = 0
        var negative = false
        if bytes.first == UInt8(ascii: "-") { negative = true; i = 1 }
        var whole: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var sawDigit = false
        var sawPoint = false
        while i < bytes.count {
            let byte = bytes[i]
            i += 1
            if byte == UInt8(ascii: ".") {
                if sawPoint { return nil }
                sawPoint = true
                continue
            }
            let digit = byte &- UInt8(ascii: "0")
            guard digit <= 9 else { return nil }
            sawDigit = true
            if sawPoint {
                fractionDigits += 1
                if fractionDigits > Self.fractionDigits { return nil }
                fraction = fraction * 10 + Int64(digit)
            } else {
                if whole > 100_000_000_000_000_000 { return nil }   // the next digit would pass 10^18
                whole = whole * 10 + Int64(digit)
                if whole > Self.largestAmountUnits { return nil }   // beyond any real amount
            }
        }
        guard sawDigit else { return nil }
        for _ in fractionDigits..<Self.fractionDigits { fraction *= 10 }
        let value = Int128(whole) * Self.scale + Int128(fraction)
        scaled = negative ? -value : value
    }

    public init?(parsing text: String) { self.init(parsing: Substring(text)) }

    /// The largest whole number of units read: 10^15.
    public static let largestAmountUnits: Int64 = 1_000_000_000_000_000

    /// True when the text has more fractional digits than can be kept exactly.
    public static func hasTooManyFractionDigits(_ text: Substring) -> Bool {
        guard let point = text.firstIndex(of: ".") else { return false }
        return text[text.index(after: point)...].count > fractionDigits
    }

    public var isNegative: Bool { scaled < 0 }
    public var isZero: Bool { scaled == 0 }
    public var isPositive: Bool { scaled > 0 }

    public static func + (a: Self, b: Self) -> Self { Self(scaled: a.scaled + b.scaled) }
    public static func - (a: Self, b: Self) -> Self { Self(scaled: a.scaled - b.scaled) }
    public static func += (a: inout Self, b: Self) { a = a + b }
    public static func -= (a: inout Self, b: Self) { a = a - b }
    public static func < (a: Self, b: Self) -> Bool { a.scaled < b.scaled }

    /// `a × b`, rounded half away from zero to six digits.
    public static func * (a: Self, b: Self) -> Self {
        Self(scaled: roundedDivision(a.scaled * b.scaled, by: scale))
    }

    /// `a × b ÷ c` with a single rounding; nil when `c` is zero or the result is beyond
    /// ``largestConverted`` (amounts are at most 10^15 when read, and a rate may be anything
    /// positive: a rates file giving 10^15 units per dollar made the product overflow and the
    /// audit crash).
    public static func multiply(_ a: Self, by b: Self, dividedBy c: Self) -> Self? {
        guard c.scaled != 0 else { return nil }
        let (x, y, d) = (a.scaled.magnitude, b.scaled.magnitude, c.scaled.magnitude)
        let quotient: UInt128
        if x < 1 << 63 && y < 1 << 63 {
            quotient = (x * y + d / 2) / d   // the usual case: the product fits in 126 bits
        } else {
            var (high, low) = x.multipliedFullWidth(by: y)
            let (sum, carry) = low.addingReportingOverflow(d / 2)
            low = sum
            if carry { high += 1 }   // below 2^254: no overflow
            guard high < d else { return nil }   // the quotient would pass 128 bits
            quotient = d.dividingFullWidth((high, low)).quotient
        }
        guard quotient <= largestConverted.scaled.magnitude else { return nil }
        let negative = ((a.scaled < 0) != (b.scaled < 0)) != (c.scaled < 0)
        return Self(scaled: negative ? -Int128(quotient) : Int128(quotient))
    }

    /// 10^18 units: beyond any real amount, and sums of millions of such values still fit.
    public static let largestConverted = ExactDecimal(scaled: 1_000_000_000_000_000_000 * scale)

    /// `a ÷ b`, rounded half away from zero to six digits; nil when `b` is zero.
    public static func / (a: Self, b: Self) -> Self? {
        guard b.scaled != 0 else { return nil }
        return Self(scaled: roundedDivision(a.scaled * scale, by: b.scaled))
    }

    public func max(_ other: Self) -> Self { self < other ? other : self }
    public func min(_ other: Self) -> Self { self < other ? self : other }

    /// Rounds half away from zero to `digits` fractional digits (0...6).
    public func rounded(toFractionDigits digits: Int) -> Self {
        precondition((0...Self.fractionDigits).contains(digits))
        var unit: Int128 = 1
        for _ in digits..<Self.fractionDigits { unit *= 10 }
        return Self(scaled: Self.roundedDivision(scaled, by: unit) * unit)
    }

    static func roundedDivision(_ numerator: Int128, by denominator: Int128) -> Int128 {
        let negative = (numerator < 0) != (denominator < 0)
        let n = numerator.magnitude, d = denominator.magnitude
        let quotient = Int128((n + d / 2) / d)
        return negative ? -quotient : quotient
    }

    /// Plain text without trailing zeros: `10000`, `12.5`, `0.333333`.
    public var description: String { formatted(minimumFractionDigits: 0) }

    /// Plain text with at least `minimumFractionDigits` digits after the point (`1250.00`).
    public func formatted(minimumFractionDigits: Int) -> String {
        let magnitude = scaled.magnitude
        let whole = magnitude / UInt128(Self.scale)
        var fraction = String(magnitude % UInt128(Self.scale))
        fraction = String(repeating: "0", count: Self.fractionDigits - fraction.count) + fraction
        while fraction.count > minimumFractionDigits, fraction.last == "0" { fraction.removeLast() }
        let sign = scaled < 0 ? "-" : ""
        return fraction.isEmpty ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
    }
}

extension Sequence where Element == ExactDecimal {
    public func sum() -> ExactDecimal { reduce(.zero, +) }
}
