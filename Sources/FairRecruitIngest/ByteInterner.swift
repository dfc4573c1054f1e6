/// Distinct byte strings numbered densely in first-seen order. Large inputs repeat the same
/// identifiers (a worker on every payment, a handful of employers and codes): each costs its bytes
/// once, and a row after that a hash probe — no String, no Swift `Hasher` (a `[String: …]` lookup
/// per value was a fifth of a million-row audit, perf).
struct ByteInterner: Sendable {
    /// The strings' bytes, one after another.
    private var storage: [UInt8] = []
    /// Where each string ends in `storage` (it starts where the one before ends).
    private var ends: [UInt32] = []
    /// Open addressing with linear probing: the high 32 bits of the hash and id + 1 (0: empty).
    /// Keeping part of the hash in the slot spares reading the bytes of every string probed, and
    /// since a string's home slot is taken from those same high bits, growing the table needs no
    /// string read again (re-hashing ten million record ids was a tenth of a batch's reading).
    /// Nil once dropped (see ``dropLookup()``).
    private var slots: SlotTable? { didSet { slotBase = slots?.base } }
    /// The slots' memory, read without a retain of `slots` for every probe (on the ledger's thread,
    /// which the others wait for); `slots` keeps it alive, and is written only when not shared.
    nonisolated(unsafe) private var slotBase: UnsafeMutablePointer<UInt64>?
    private var slotBits = 6
    /// Short strings (up to sixteen bytes: codes, category names, most ids) seen lately, by a hash
    /// of their bytes, with their ids: rows repeat the same few codes and a worker's payments come
    /// together, so most lookups end here without hashing or probing (a third of the interning
    /// cost, callgrind).
    private var recent = [(words: (UInt64, UInt64), count: Int, id: Int32)](repeating: ((0, 0), -1, 0), count: 64)

    var count: Int { ends.count }

    init() {
        let table = SlotTable(count: 1 << slotBits)
        slots = table
        slotBase = table.base
    }

    /// The id of `bytes`, adding it when new.
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> (id: Int32, isNew: Bool) { intern(bytes, hashedAs: nil) }

    /// The same, with the bytes' ``hash(_:)`` computed already (on the thread that parsed the row)
    /// when given: it is needed only when the bytes are not among the recent ones.
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>, hashedAs knownHash: UInt64?) -> (id: Int32, isNew: Bool) {
        guard bytes.count <= 16 else { return intern(bytes, hash: knownHash ?? Self.hash(bytes)) }
        let words = Self.words(bytes)
        let mixed = (words.0 ^ words.1 &* 0xC2B2_AE3D_27D4_EB4F ^ UInt64(bytes.count)) &* 0x9E37_79B9_7F4A_7C15
        let slot = Int(truncatingIfNeeded: mixed >> 58)
        let seen = recent[slot]
        if seen.count == bytes.count && seen.words == words { return (seen.id, false) }
        let result = intern(bytes, hash: knownHash ?? Self.hash(bytes))
        recent[slot] = (words, bytes.count, result.id)
        return result
    }

    /// Up to sixteen bytes as two little-endian words, zero beyond the bytes. Read with loads
    /// that overlap rather than byte by byte (the byte loop was half of interning a short code,
    /// callgrind) or with a copy (a call to memcpy); no load reaches outside the bytes.
    @inline(__always)
    private static func words(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        let count = bytes.count
        guard let base = bytes.baseAddress.map(UnsafeRawPointer.init) else { return (0, 0) }
        func load(_ offset: Int) -> UInt64 { UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        func load32(_ offset: Int) -> UInt64 { UInt64(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
        switch count {
        case 8...16:
            // The last eight bytes, of which the first 16 - count are the first word's again.
            return (load(0), count == 8 ? 0 : load(count - 8) >> UInt64(8 * (16 - count)))
        case 4..<8:
            return (load32(0) | (load32(count - 4) >> UInt64(8 * (8 - count))) << 32, 0)
        default:
            var word: UInt64 = 0
            for i in 0..<count { word |= UInt64(bytes[i]) << UInt64(8 * i) }
            return (word, 0)
        }
    }

    /// The id of `bytes`, whose ``hash(_:)`` was computed already (on the thread that parsed the
    /// row), adding it when new.
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> (id: Int32, isNew: Bool) {
        if slots == nil { rebuildLookup() }
        switch probe(bytes, hash: hash) {
        case .found(let id): return (id, false)
        case .empty(let slot):
            storage.append(contentsOf: bytes)
            ends.append(UInt32(storage.count))
            let id = UInt64(ends.count)
            if !isKnownUniquelyReferenced(&slots) { slots = slots!.copy() }
            slotBase![slot] = hash & 0xFFFF_FFFF_0000_0000 | id
            if ends.count * 10 > (1 << slotBits) * 7 { rehash(bits: slotBits + 1) }
            return (Int32(id - 1), true)
        }
    }

    /// Asks the processor to fetch the slot where ``intern(_:hash:)`` will start probing for
    /// `hash`. A table of ten million record ids is far larger than the caches, and each new id
    /// misses them: fetched a few rows ahead, the misses overlap.
    func prefetch(hash: UInt64) {
        if let slotBase { fr_prefetch(slotBase + Self.home(hash, bits: slotBits)) }
    }

    /// Asks the processor to fetch where the text of `id` ends (and so where the next one starts).
    func prefetch(id: Int32) {
        ends.withUnsafeBufferPointer { fr_prefetch($0.baseAddress! + Int(id)) }
    }

    /// Asks the processor to fetch the text of `id`; best once ``prefetch(id:)`` has fetched where
    /// it starts.
    func prefetchText(of id: Int32) {
        let from = id == 0 ? 0 : Int(ends[Int(id) - 1])
        storage.withUnsafeBufferPointer { fr_prefetch($0.baseAddress! + from) }
    }

    private enum Probe { case found(Int32), empty(Int) }

    private func probe(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Probe {
        let slots = slotBase!
        return ends.withUnsafeBufferPointer { ends in
            storage.withUnsafeBufferPointer { stored in
                let mask = (1 << slotBits) - 1
                var slot = Self.home(hash, bits: slotBits)
                while true {
                    let entry = slots[slot]
                    if entry == 0 { return .empty(slot) }
                    if entry & 0xFFFF_FFFF_0000_0000 == hash & 0xFFFF_FFFF_0000_0000 {
                        let id = Int(entry & 0xFFFF_FFFF) - 1
                        let from = id == 0 ? 0 : Int(ends[id - 1]), to = Int(ends[id])
                        if to - from == bytes.count && (bytes.isEmpty || memcmp(stored.baseAddress! + from, bytes.baseAddress!, bytes.count) == 0) {
                            return .found(Int32(id))
                        }
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    /// The text of an id.
    func string(_ id: Int32) -> String {
        let id = Int(id)
        let from = id == 0 ? 0 : Int(ends[id - 1]), to = Int(ends[id])
        return storage.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[from..<to]), as: UTF8.self) }
    }

    /// Makes room for `count` strings in all, as long on average as those so far: a large file's
    /// first rows tell how many ids it holds, and growing the table of ten million record ids
    /// a doubling at a time rehashed them again at each step and zeroed twice the memory.
    mutating func reserve(_ count: Int) {
        guard count > ends.count else { return }
        let averageLength = ends.isEmpty ? 16 : (storage.count + ends.count - 1) / ends.count
        storage.reserveCapacity(count * averageLength)
        ends.reserveCapacity(count)
        let bits = Self.slotBits(toHold: count, atLeast: slotBits)
        if bits > slotBits { rehash(bits: bits) }
    }

    /// The bits of a table that holds `count` strings at most 70% full.
    private static func slotBits(toHold count: Int, atLeast bits: Int) -> Int {
        var bits = bits
        while count * 10 > (1 << bits) * 7 { bits += 1 }
        return bits
    }

    private mutating func rehash(bits: Int) {
        slotBits = bits
        let grown = SlotTable(count: 1 << slotBits)
        let mask = grown.count - 1
        if let old = slots {
            for entry in UnsafeBufferPointer(start: old.base, count: old.count) where entry != 0 {
                var slot = Self.home(entry, bits: slotBits)
                while grown.base[slot] != 0 { slot = (slot + 1) & mask }
                grown.base[slot] = entry
            }
        }
        slots = grown
    }

    /// Frees the table that finds a string's id (ids and strings stay): once a large input is read,
    /// only the strings of ids are asked for, and ten million record ids' table is 128 MB. Rebuilt
    /// if a string is interned again.
    mutating func dropLookup() { slots = nil }

    private mutating func rebuildLookup() {
        slotBits = Self.slotBits(toHold: ends.count, atLeast: 6)
        let table = SlotTable(count: 1 << slotBits)
        storage.withUnsafeBufferPointer { stored in
            for id in ends.indices {
                let from = id == 0 ? 0 : Int(ends[id - 1])
                let hash = Self.hash(UnsafeBufferPointer(rebasing: stored[from..<Int(ends[id])]))
                var slot = Self.home(hash, bits: slotBits)
                while table.base[slot] != 0 { slot = (slot + 1) & (table.count - 1) }
                table.base[slot] = hash & 0xFFFF_FFFF_0000_0000 | UInt64(id + 1)
            }
        }
        slots = table
    }

    /// The slot a hash starts probing at: its top `bits` bits.
    private static func home(_ hash: UInt64, bits: Int) -> Int { Int(truncatingIfNeeded: hash >> UInt64(64 - bits)) }

    /// A 64-bit hash of the bytes, eight at a time (identifiers are short), finished with
    /// MurmurHash3's mixer so that ids differing in their last character spread over the table.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        guard let base = bytes.baseAddress else { return h }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= bytes.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h = h << 31 | h >> 33
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < bytes.count { tail |= UInt64(bytes[i]) << shift; shift += 8; i += 1 }
        h ^= tail
        h ^= h >> 33; h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33; h &*= 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 33)
    }
}

/// The slots of a ``ByteInterner``'s lookup, zeroed, from `calloc`. A large table comes as fresh
/// pages that the kernel zeroes as they are first touched: zeroed all at once, the 128 MiB table
/// of ten million record ids took the ledger's thread a third of a second when a batch starts
/// reading, while the parsing threads waited for it (perf).
///
/// One of millions of record ids is also far larger than what the processor's address
/// translation caches cover in 4 KiB pages, so nearly every probe missed there, and a prefetch
/// that misses there waits (perf: the look-ahead and the probe stalled on their one load, 13% of
/// a 10M batch's samples). A table of 8 MiB or more asks for 2 MiB pages.
///
/// Sendable as the interner's value: it writes to a table only when it holds the only reference.
private final class SlotTable: @unchecked Sendable {
    let base: UnsafeMutablePointer<UInt64>
    let count: Int

    init(count: Int) {
        guard let memory = calloc(count, MemoryLayout<UInt64>.stride) else { fatalError("out of memory for \(count) slots") }
        base = memory.bindMemory(to: UInt64.self, capacity: count)
        self.count = count
        #if os(Linux)
        let hugePage = 2 << 20
        let start = (Int(bitPattern: memory) + hugePage - 1) / hugePage * hugePage
        let end = (Int(bitPattern: memory) + count * 8) / hugePage * hugePage
        if count * 8 >= 8 << 20 && end > start { madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE) }
        #endif
    }

    deinit { free(base) }

    func copy() -> SlotTable {
        let copy = SlotTable(count: count)
        copy.base.update(from: base, count: count)
        return copy
    }
}

import CPrefetch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
