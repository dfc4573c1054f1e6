/// Distinct byte strings numbered densely in first-seen order. Large inputs repeat the same
/// identifiers (a worker on every payment, a handful of employers and codes): each costs its bytes
/// once, and a row after that a hash probe — no String, no Swift `Hasher` (a `[String: …]` lookup
/// per value was a fifth of a million-row audit, perf).
struct ByteInterner: Sendable {
    /// The strings' bytes, one after another.
    private var storage: [UInt8] = []
    /// Where each string ends in `storage` (it starts where the one before ends).
    private var ends: [UInt32] = []
    /// Open addressing with linear probing: id + 1, or 0 for an empty slot.
    private var slots: [UInt32] = Array(repeating: 0, count: 64)

    var count: Int { ends.count }

    /// The id of `bytes`, adding it when new.
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> (id: Int32, isNew: Bool) {
        if let id = find(bytes) { return (id, false) }
        if (ends.count + 1) * 10 > slots.count * 7 { grow() }
        storage.append(contentsOf: bytes)
        ends.append(UInt32(storage.count))
        let id = UInt32(ends.count - 1)
        insert(id, hash: Self.hash(bytes))
        return (Int32(id), true)
    }

    /// The id of `bytes`, or nil when they were never interned.
    func find(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: Self.hash(bytes)) & mask
        return storage.withUnsafeBufferPointer { stored in
            while true {
                let entry = slots[slot]
                if entry == 0 { return nil }
                let id = Int(entry - 1)
                let from = id == 0 ? 0 : Int(ends[id - 1]), to = Int(ends[id])
                if to - from == bytes.count && (bytes.isEmpty || memcmp(stored.baseAddress! + from, bytes.baseAddress!, bytes.count) == 0) {
                    return Int32(id)
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The text of an id.
    func string(_ id: Int32) -> String {
        let id = Int(id)
        let from = id == 0 ? 0 : Int(ends[id - 1]), to = Int(ends[id])
        return storage.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[from..<to]), as: UTF8.self) }
    }

    private mutating func insert(_ id: UInt32, hash: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = id + 1
    }

    private mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        let ends = self.ends
        storage.withUnsafeBufferPointer { stored in
            for id in ends.indices {
                let from = id == 0 ? 0 : Int(ends[id - 1])
                insert(UInt32(id), hash: Self.hash(UnsafeBufferPointer(rebasing: stored[from..<Int(ends[id])])))
            }
        }
    }

    /// A 64-bit mix of the bytes, eight at a time (identifiers are short).
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        guard let base = bytes.baseAddress else { return h }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= bytes.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < bytes.count { tail |= UInt64(bytes[i]) << shift; shift += 8; i += 1 }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 29)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
