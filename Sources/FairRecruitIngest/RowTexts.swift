/// The texts of a valid fee row that the ledger numbers — agency, worker, employer, sector, record
/// id, repays, an unknown occupation — carried in the row itself: their bytes side by side in the
/// row when they fit (ids and names of a few dozen bytes nearly always do), else in an overflow
/// array. As Strings they cost more than the rest of checking a row: making each, then retaining
/// and releasing it at every copy of the row and when the batch is freed (callgrind: about 1,300
/// instructions a row, a sixth of parsing and checking one).
///
/// Fields are added at most once each.
struct RowTexts: Sendable {
    enum Field: Int { case agency, worker, employer, sector, recordID, repays, unknownOccupation }

    /// ``inlineCapacity`` bytes in place.
    fileprivate var inline: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
        = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    /// Every field's bytes, once they do not all fit in place.
    fileprivate var overflow: [UInt8]?
    /// Where each field given starts and ends among the bytes.
    fileprivate var starts: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0, 0, 0, 0)
    fileprivate var ends: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0, 0, 0, 0)
    /// A bit per field given.
    fileprivate var given: UInt8 = 0
    private var count: UInt32 = 0

    private static let inlineCapacity = 96

    /// Adds `field`, not given before.
    mutating func add(_ field: Field, _ bytes: UnsafeBufferPointer<UInt8>) {
        let start = Int(count)
        if overflow == nil && start + bytes.count > Self.inlineCapacity {
            overflow = withUnsafeBytes(of: inline) { Array($0.prefix(start)) }
        }
        if overflow != nil {
            overflow!.append(contentsOf: bytes)
        } else if let source = bytes.baseAddress {
            withUnsafeMutableBytes(of: &inline) { ($0.baseAddress! + start).copyMemory(from: source, byteCount: bytes.count) }
        }
        withUnsafeMutableBytes(of: &starts) { $0.storeBytes(of: count, toByteOffset: field.rawValue * 4, as: UInt32.self) }
        count += UInt32(bytes.count)
        withUnsafeMutableBytes(of: &ends) { $0.storeBytes(of: count, toByteOffset: field.rawValue * 4, as: UInt32.self) }
        given |= 1 << field.rawValue
    }
}

extension UnsafePointer<RowTexts> {
    /// Whether the field was given.
    func has(_ field: RowTexts.Field) -> Bool { pointee.given & (1 << field.rawValue) != 0 }

    /// Calls `body` with the field's bytes, read in place in the row; nil when not given. Only
    /// stored properties are read through `pointee`: a method called on it copied the whole value.
    func withBytes<R>(_ field: RowTexts.Field, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        guard has(field) else { return nil }
        let start = Int(UnsafeRawPointer(pointer(to: \.starts)!).load(fromByteOffset: field.rawValue * 4, as: UInt32.self))
        let end = Int(UnsafeRawPointer(pointer(to: \.ends)!).load(fromByteOffset: field.rawValue * 4, as: UInt32.self))
        if let overflow = pointee.overflow {
            return overflow.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<end])) }
        }
        let inline = UnsafeRawPointer(pointer(to: \.inline)!).assumingMemoryBound(to: UInt8.self)
        return body(UnsafeBufferPointer(start: inline + start, count: end - start))
    }
}
