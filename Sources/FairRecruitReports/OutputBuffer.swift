import FairRecruitCore

/// The UTF-8 bytes of a report file as it is written. A large agency's reports run to a hundred
/// megabytes, so the reporters write text, numbers and dates straight into bytes, with no String
/// in between.
struct OutputBuffer {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// The bytes as text, for the callers that want a String.
    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func append(_ text: String) {
        // A native or small String lends its UTF-8 in place, copied in one go; iterating
        // `text.utf8` into the array instead cost several times as much per string.
        if text.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil {
            bytes.append(contentsOf: text.utf8)
        }
    }
    mutating func append(byte: UInt8) { bytes.append(byte) }
    mutating func append(bytes more: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: more) }
    mutating func append(_ other: OutputBuffer) { bytes.append(contentsOf: other.bytes) }
    /// `text` and a line break.
    mutating func line(_ text: String = "") { append(text); bytes.append(UInt8(ascii: "\n")) }

    /// An integer in decimal, as `String(value)` writes it.
    mutating func append(_ value: Int) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(UInt64(value.magnitude), width: 1)
    }

    /// An exact decimal as `ExactDecimal.formatted(minimumFractionDigits:)` writes it.
    mutating func append(_ value: ExactDecimal, minimumFractionDigits: Int = 0) {
        // Past 18 digits (no real amount is) the arithmetic needs 128 bits: leave it to Core's formatter.
        guard let magnitude = UInt64(exactly: value.scaled.magnitude) else {
            append(value.formatted(minimumFractionDigits: minimumFractionDigits))
            return
        }
        if value.isNegative { bytes.append(UInt8(ascii: "-")) }
        let scale = UInt64(ExactDecimal.scale)
        appendDigits(magnitude / scale, width: 1)
        var fraction = magnitude % scale
        var digits = ExactDecimal.fractionDigits
        while digits > minimumFractionDigits, fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        if digits > 0 {
            bytes.append(UInt8(ascii: "."))
            appendDigits(fraction, width: digits)
        }
    }

    /// A date as `Day.description` writes it (`2026-12-31`).
    mutating func append(_ day: Day) {
        let (year, month, dayOfMonth) = day.components
        guard (0...9999).contains(year) else { append(day.description); return }
        appendDigits(UInt64(year), width: 4)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(UInt64(month), width: 2)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(UInt64(dayOfMonth), width: 2)
    }

    /// The decimal digits of `value`, left-padded with zeros to at least `width` digits (at most 20).
    private mutating func appendDigits(_ value: UInt64, width: Int) {
        // Written backwards on the stack (UInt64.max has 20 digits), then copied at once.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            var rest = value
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            while start > 20 - width {
                start -= 1
                digits[start] = UInt8(ascii: "0")
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }
}
