import Testing
@testable import FairRecruitIngest

@Suite struct ByteInternerTests {
    /// Every length up to and past the sixteen bytes answered from the recent cache, and texts
    /// that differ in one byte at any position: each distinct text gets its own id, in first-seen
    /// order, and the same id when seen again.
    @Test func distinctTextsGetDistinctIdsAndRepeatsTheSameOne() {
        var texts: [[UInt8]] = []
        for length in 0...20 {
            let base = (0..<length).map { UInt8(ascii: "a") + UInt8($0) }
            texts.append(base)
            for position in 0..<length {
                var changed = base
                changed[position] ^= 0x20
                texts.append(changed)
            }
        }
        var interner = ByteInterner()
        for (expected, text) in texts.enumerated() {
            let (id, isNew) = text.withUnsafeBufferPointer { interner.intern($0) }
            #expect(id == Int32(expected) && isNew)
        }
        for (expected, text) in texts.enumerated().reversed() {
            let (id, isNew) = text.withUnsafeBufferPointer { interner.intern($0) }
            #expect(id == Int32(expected) && !isNew)
            #expect(interner.string(id) == String(decoding: text, as: UTF8.self))
        }
    }

    /// Room made for many more strings at once keeps every id and finds every string again.
    @Test func reservingRoomKeepsIdsAndStrings() {
        var interner = ByteInterner()
        func intern(_ text: String) -> (id: Int32, isNew: Bool) {
            var text = text
            return text.withUTF8 { interner.intern($0) }
        }
        for i in 0..<5 { #expect(intern("R-\(i)-long-enough-to-skip-the-cache") == (Int32(i), true)) }
        interner.reserve(10_000)
        for i in 5..<10_000 { #expect(intern("R-\(i)-long-enough-to-skip-the-cache") == (Int32(i), true)) }
        for i in [0, 4, 5, 9_999] {
            #expect(intern("R-\(i)-long-enough-to-skip-the-cache") == (Int32(i), false))
            #expect(interner.string(Int32(i)) == "R-\(i)-long-enough-to-skip-the-cache")
        }
    }

    /// After the lookup table is freed, strings keep their ids, and interning again finds them.
    @Test func aFreedLookupIsRebuiltWhenNeeded() {
        var interner = ByteInterner()
        func intern(_ text: String) -> (id: Int32, isNew: Bool) {
            var text = text
            return text.withUTF8 { interner.intern($0) }
        }
        let texts = (0..<1_000).map { "W-\($0)" } + (0..<1_000).map { "a-longer-record-id-\($0)" }
        for (i, text) in texts.enumerated() { #expect(intern(text) == (Int32(i), true)) }
        interner.dropLookup()
        #expect(interner.string(1_500) == "a-longer-record-id-500")
        for (i, text) in texts.enumerated().reversed() { #expect(intern(text) == (Int32(i), false)) }
        #expect(intern("new") == (2_000, true))
    }
}
