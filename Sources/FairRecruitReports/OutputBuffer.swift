import FairRecruitCore

/// The UTF-8 bytes of a report file as it is written. A large agency's reports run to a hundred
/// megabytes, so the reporters write text, numbers and dates straight into bytes, with no String
/// in between.
///
/// Bytes are gathered in a small block of the buffer's own and moved into the array a block at a
/// time: an append to the array itself (a uniqueness check, a capacity check and a generic copy)
/// cost more than the few bytes it copied, and a report makes millions of them. Not copyable: it
/// owns the block.
struct OutputBuffer: ~Copyable {
    private var bytes: [UInt8] = []
    private let block = UnsafeMutablePointer<UInt8>.allocate(capacity: OutputBuffer.blockSize)
    /// Bytes in `block`, after those in `bytes`.
    private var used = 0
    private static let blockSize = 16 * 1024

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }
    deinit { block.deallocate() }

    /// The bytes written.
    consuming func finish() -> [UInt8] {
        flush()
        return bytes
    }

    mutating func append(_ text: String) {
        // A native or small String lends its UTF-8 in place, copied in one go; iterating
        // `text.utf8` cost several times as much per string.
        if text.utf8.withContiguousStorageIfAvailable({ append(bytes: $0) }) == nil {
            var text = text
            text.withUTF8 { append(bytes: $0) }
        }
    }

    mutating func append(byte: UInt8) {
        if used == Self.blockSize { flush() }
        block[used] = byte
        used += 1
    }

    mutating func append(bytes more: UnsafeBufferPointer<UInt8>) {
        guard let source = more.baseAddress else { return }
        let count = more.count
        if count > Self.blockSize - used {
            flush()
            guard count <= Self.blockSize else { bytes.append(contentsOf: more); return }
        }
        (block + used).initialize(from: source, count: count)
        used += count
    }

    mutating func append(_ other: borrowing OutputBuffer) {
        other.bytes.withUnsafeBufferPointer { append(bytes: $0) }
        append(bytes: UnsafeBufferPointer(start: other.block, count: other.used))
    }

    /// `text` and a line break.
    mutating func line(_ text: String = "") { append(text); append(byte: UInt8(ascii: "\n")) }

    private mutating func flush() {
        bytes.append(contentsOf: UnsafeBufferPointer(start: block, count: used))
        used = 0
    }

    /// An integer in decimal, as `String(value)` writes it.
    mutating func append(_ value: Int) {
        if value < 0 { append(byte: UInt8(ascii: "-")) }
        appendDigits(UInt64(value.magnitude), width: 1)
    }

    /// An exact decimal as `ExactDecimal.formatted(minimumFractionDigits:)` writes it.
    mutating func append(_ value: ExactDecimal, minimumFractionDigits: Int = 0) {
        // Past 18 digits (no real amount is) the arithmetic needs 128 bits: leave it to Core's formatter.
        guard let magnitude = UInt64(exactly: value.scaled.magnitude) else {
            append(value.formatted(minimumFractionDigits: minimumFractionDigits))
            return
        }
        if value.isNegative { append(byte: UInt8(ascii: "-")) }
        let scale = UInt64(ExactDecimal.scale)
        appendDigits(magnitude / scale, width: 1)
        var fraction = magnitude % scale
        var digits = ExactDecimal.fractionDigits
        while digits > minimumFractionDigits, fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        if digits > 0 {
            append(byte: UInt8(ascii: "."))
            appendDigits(fraction, width: digits)
        }
    }

    /// A date as `Day.description` writes it (`2026-12-31`).
    mutating func append(_ day: Day) {
        let (year, month, dayOfMonth) = day.components
        guard (0...9999).contains(year) else { append(day.description); return }
        appendDigits(UInt64(year), width: 4)
        append(byte: UInt8(ascii: "-"))
        appendDigits(UInt64(month), width: 2)
        append(byte: UInt8(ascii: "-"))
        appendDigits(UInt64(dayOfMonth), width: 2)
    }

    /// The decimal digits of `value`, left-padded with zeros to at least `width` digits (at most 20).
    private mutating func appendDigits(_ value: UInt64, width: Int) {
        var count = 1
        var power: UInt64 = 10
        while count < 20 && value >= power { count += 1; power &*= 10 }
        count = max(count, width)
        // Written in place from the end, two digits at a time: UInt64.max has 20 digits.
        if Self.blockSize - used < 20 { flush() }
        let start = used
        var position = start + count
        used = position
        var rest = value
        while rest >= 10 {
            let pair = Int(rest % 100)
            rest /= 100
            position -= 2
            block[position] = Self.digitPairs.utf8Start[2 * pair]
            block[position + 1] = Self.digitPairs.utf8Start[2 * pair + 1]
        }
        if rest > 0 || position == start + count {
            position -= 1
            block[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest)
        }
        while position > start {
            position -= 1
            block[position] = UInt8(ascii: "0")
        }
    }

    /// "00", "01", … "99", one after the other: a literal, so no table is built or checked at run time.
    private static let digitPairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
}
