/// Tests on eight bytes at once (SWAR), for the scans that find the rare byte to escape in a
/// report's text: most text has none, and testing it a byte at a time was most of the cost of
/// writing it.
///
/// Each test returns a word with the high bit set in the bytes that match. A borrow can also set
/// it in a byte above a matching one, so the tests say whether a word holds a match, not where:
/// the callers look at a word that may hold one byte by byte.
enum WordScan {
    /// `byte` in each of the eight bytes.
    static func repeated(_ byte: UInt8) -> UInt64 { UInt64(byte) &* 0x0101_0101_0101_0101 }

    /// Bytes below `limit` (at most 0x80).
    static func below(_ limit: UInt8, in word: UInt64) -> UInt64 { (word &- repeated(limit)) & ~word & repeated(0x80) }

    /// Bytes equal to `byte`, or to `byte` with any of the bits of `ignoring` changed (one test for
    /// two values that differ in one bit, e.g. `<` and `>`).
    static func equal(_ byte: UInt8, ignoring: UInt8 = 0, in word: UInt64) -> UInt64 {
        let zeroWhereEqual = (word ^ repeated(byte)) & ~repeated(ignoring)
        return (zeroWhereEqual &- repeated(0x01)) & ~zeroWhereEqual & repeated(0x80)
    }

    /// The offset of the first word of `bytes` that `mayMatch` does not rule out, or of the last
    /// few bytes that make no whole word: the caller goes on from there a byte at a time.
    static func skipWords(_ bytes: UnsafeBufferPointer<UInt8>, unless mayMatch: (UInt64) -> Bool) -> Int {
        guard let start = bytes.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(start)
        var offset = 0
        while offset + 8 <= bytes.count && !mayMatch(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) { offset += 8 }
        return offset
    }
}
