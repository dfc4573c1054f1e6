import CPrefetch
import Dispatch
import FairRecruitCore

/// Where a large file is read on several cores: it is cut into segments at line starts, each
/// segment is parsed into a ``RowBatch`` on a worker thread, and the batches are handed over in
/// file order, so the rows arrive exactly as one reader going through the file would give them.
///
/// A cut may fall where a sequential reader would not be between rows (inside a quoted CSV field
/// that spans lines, inside an XML comment). Each batch says whether its segment ended between
/// rows; when one did not, the rest of the file is read sequentially from where that segment's
/// last row ended, so such files are read correctly, only without the extra cores.
enum ParallelReading {
    /// Bytes per segment: large enough that a worker's start-up costs nothing, small enough that
    /// the batches in flight stay small (a segment's checked rows take three times its bytes; at
    /// 4 MiB, the 10M batch's peak memory was 60–90 MB higher for the same time).
    static let segmentSize = 2 << 20
    /// Segments parsed ahead of the one being handed over.
    static let segmentsInFlight = 4

    /// Whether reading on other cores is worth it: a file of at least two segments, and more than one core.
    static func worthIt(fileSize: Int, segmentSize: Int) -> Bool {
        fileSize >= 2 * segmentSize && onlineCores > 1
    }

    /// The cores online (this module does without Foundation's `ProcessInfo`).
    static let onlineCores: Int = {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }()
}

/// Checks a raw row and initializes the memory it is given with the result (a row is made where
/// it will stay; see ``RowBuffer``).
typealias RowCheck<Row> = (RawRow, UnsafeMutablePointer<Row>) -> Void

/// Calls `body` with `row` checked by `check`, lent by pointer (a reader going through a file on
/// its own thread).
@inline(__always)
func withChecked<Row>(_ row: RawRow, _ check: RowCheck<Row>, _ body: (UnsafePointer<Row>) -> Void) {
    withUnsafeTemporaryAllocation(of: Row.self, capacity: 1) { slot in
        check(row, slot.baseAddress!)
        body(slot.baseAddress!)
        slot.baseAddress!.deinitialize(count: 1)
    }
}

/// Parses the segments of a ``Segmenter`` on worker threads, a few ahead, and gives their batches
/// back in file order. ``close()`` must be called when done (it lets the threads finish).
final class SegmentPipeline<Row>: @unchecked Sendable {
    private let lock = DispatchSemaphore(value: 1)
    private let available = DispatchSemaphore(value: 0)
    /// Made with 0 and signalled: libdispatch stops the process when a semaphore is freed below
    /// the value it was made with, and the producer's last wait is never matched.
    private let inFlight = DispatchSemaphore(value: 0)
    private var slots: [Slot?] = []
    private var taken = 0
    /// The batch handed over last, whose rows' memory is taken back at the next call.
    private var handedOver: RowBatch<Row>?
    /// Row buffers handed over already, their memory kept to be filled again (each is emptied by
    /// the thread that takes it): allocated afresh for every
    /// segment, they were left scattered over each parsing thread's malloc arena, which held
    /// about 150 MB more at the peak of a 10M-row batch than the batches in flight (smaps).
    private var spareRows: [RowBuffer<Row>] = []
    private var stopped = false
    private var cancelled = false
    private var ended = false

    /// - Parameter parse: the rows of a segment, appended to the (empty) buffer it is given.
    init(_ segmenter: Segmenter, parse: @escaping @Sendable (Segment, RowBuffer<Row>) -> RowBatch<Row>) {
        for _ in 0..<ParallelReading.segmentsInFlight { inFlight.signal() }
        let segments = UncheckedBox(segmenter)
        let workers = DispatchQueue(label: "fairrecruit.parse", attributes: .concurrent)
        DispatchQueue(label: "fairrecruit.segments").async { [self] in
            while true {
                inFlight.wait()
                if isCancelled { add(nil); return }
                let slot = Slot()
                let segment: Segment?
                do throws(IngestError) { segment = try segments.value.next() } catch {
                    slot.batch = RowBatch(failure: error)
                    add(slot); slot.ready.signal(); add(nil)
                    return
                }
                guard let segment else { add(nil); return }
                add(slot)
                if isStopped {
                    slot.batch = RowBatch(segment: segment)
                    slot.ready.signal()
                } else {
                    workers.async { [self] in slot.batch = parse(segment, takeSpareRows()); slot.ready.signal() }
                }
            }
        }
    }

    /// The next batch in file order, waiting for it; nil after the last.
    func next() throws(IngestError) -> RowBatch<Row>? {
        if let previous = handedOver.take() {
            // Emptied by the thread that fills it again (see takeSpareRows): destroying a
            // segment's rows here was 3% of this thread's time, and this thread is the one the
            // others wait for (perf, 10M batch).
            let rows = previous.rows
            previous.rows = RowBuffer()
            lock.wait(); spareRows.append(rows); lock.signal()
        }
        guard let slot = take() else { return nil }
        slot.ready.wait()
        let batch = slot.batch!
        handedOver = batch
        inFlight.signal()
        if let failure = batch.readFailure { throw failure }
        return batch
    }

    /// From now on segments are handed over unparsed (a sequential reader goes on with them).
    func stopParsing() { lock.wait(); stopped = true; lock.signal() }

    /// Stops reading and lets the threads finish, so that none is left waiting.
    func close() {
        lock.wait(); stopped = true; cancelled = true; lock.signal()
        while let slot = take() { slot.ready.wait(); inFlight.signal() }
    }

    /// An emptied row buffer, its memory kept, or a new one.
    private func takeSpareRows() -> RowBuffer<Row> {
        lock.wait()
        let rows = spareRows.popLast() ?? RowBuffer()
        lock.signal()
        rows.removeAll()
        return rows
    }

    private var isStopped: Bool { lock.wait(); defer { lock.signal() }; return stopped }
    private var isCancelled: Bool { lock.wait(); defer { lock.signal() }; return cancelled }

    private func add(_ slot: Slot?) {
        lock.wait(); slots.append(slot); lock.signal()
        available.signal()
    }

    private func take() -> Slot? {
        lock.wait()
        if ended { lock.signal(); return nil }
        lock.signal()
        available.wait()
        lock.wait(); defer { lock.signal() }
        let slot = slots[taken]
        slots[taken] = nil
        taken += 1
        if slot == nil { ended = true }
        return slot
    }

    private final class Slot: @unchecked Sendable {
        let ready = DispatchSemaphore(value: 0)
        var batch: RowBatch<Row>?
    }
}

/// The bytes a sequential reader goes on with when a segment did not end between rows: the
/// rest of that segment, then every later segment as it comes.
final class RemainingSegments<Row>: ChunkSource {
    private var first: [UInt8]?
    private let pipeline: SegmentPipeline<Row>
    init(rest: [UInt8], pipeline: SegmentPipeline<Row>) { first = rest; self.pipeline = pipeline }
    func next() throws(IngestError) -> [UInt8]? {
        if let bytes = first { first = nil; return bytes }
        while let batch = try pipeline.next() {
            if let bytes = batch.segment?.bytes, !bytes.isEmpty { return bytes }
        }
        return nil
    }
}

/// Passes a value that only one thread uses at a time to another thread.
private struct UncheckedBox<Value>: @unchecked Sendable { var value: Value; init(_ value: Value) { self.value = value } }


/// One piece of a file, cut at a line start.
struct Segment: @unchecked Sendable {
    var index: Int
    var bytes: [UInt8]
    var isLast: Bool

    /// The line feeds in the bytes, found with `memchr` (a byte-by-byte count was a tenth of
    /// reading an XML row, callgrind).
    var lineFeeds: Int {
        bytes.withUnsafeBufferPointer { bytes in
            guard var p = bytes.baseAddress.map(UnsafeRawPointer.init) else { return 0 }
            let end = p + bytes.count
            var count = 0
            while p < end, let found = memchr(p, 0x0A, end - p) {
                count += 1
                p = UnsafeRawPointer(found) + 1
            }
            return count
        }
    }
}

/// Cuts the UTF-8 text of a stream into segments at line starts that `isCut` accepts.
final class Segmenter {
    private let stream: ChunkSource
    private var pending: [UInt8]
    private var index = 0
    private var atEnd = false
    private var deliveredLast = false
    /// Whether a cut may be made at `position` (just after a line feed) of `bytes`.
    private let isCut: (UnsafeBufferPointer<UInt8>, Int) -> Bool

    private let segmentSize: Int

    init(stream: ChunkSource, leftover: [UInt8], segmentSize: Int, isCut: @escaping (UnsafeBufferPointer<UInt8>, Int) -> Bool) {
        self.stream = stream; self.pending = leftover; self.segmentSize = segmentSize; self.isCut = isCut
    }

    func next() throws(IngestError) -> Segment? {
        var searchFrom = segmentSize
        while true {
            if let cut = findCut(from: searchFrom) {
                return take(cut, isLast: false)
            }
            // No line start to cut at (one huge line): cut anywhere; the reader of that segment
            // will not end between rows, and the rest is then read sequentially.
            if pending.count >= 4 * segmentSize { return take(pending.count, isLast: false) }
            searchFrom = max(segmentSize, pending.count - 64)   // a cut needs a few bytes after the line feed
            if atEnd {
                if deliveredLast { return nil }
                deliveredLast = true
                return take(pending.count, isLast: true)
            }
            if !(try stream.next(appendingTo: &pending)) { atEnd = true }
        }
    }

    /// The first `count` bytes as a segment. The segment takes the buffer itself, and only the
    /// bytes after the cut are copied, to start the next one (copying the segment out and moving
    /// the rest down, then appending each chunk read, was 1.8% of a 10M batch's reading, perf).
    private func take(_ count: Int, isLast: Bool) -> Segment {
        var next: [UInt8] = []
        // Room for a segment and the chunk that overshoots it, so that filling it never moves it.
        next.reserveCapacity(max(segmentSize + 2 * ByteStream.chunkSize, pending.count - count))
        next += pending[count...]
        pending.removeLast(pending.count - count)
        let segment = Segment(index: index, bytes: pending, isLast: isLast)
        pending = next
        index += 1
        return segment
    }

    private func findCut(from start: Int) -> Int? {
        guard pending.count > start else { return nil }
        return pending.withUnsafeBufferPointer { bytes -> Int? in
            var i = start
            while i < bytes.count {
                if bytes[i] == 0x0A && isCut(bytes, i + 1) { return i + 1 }
                i += 1
            }
            return nil
        }
    }
}

/// Rows made in place, one after another: a checked fee row is about 390 bytes, and made as a
/// value, then appended to an array, it was copied three or four times on its way there (memmove
/// was 15% of the parsing threads' samples, perf, 10M batch).
///
/// One thread uses a buffer at a time (the one parsing its segment, then the one handing its rows
/// over), so its properties go without run-time exclusivity checks.
final class RowBuffer<Row>: @unchecked Sendable {
    @exclusivity(unchecked) private(set) var base: UnsafeMutablePointer<Row>?
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) private var capacity = 0

    init() {}
    deinit { removeAll(); base?.deallocate() }

    /// Adds a row that `make` initializes in the memory it is given.
    @inline(__always)
    func append(_ make: (UnsafeMutablePointer<Row>) -> Void) {
        if count == capacity { grow() }
        make(base! + count)
        count += 1
    }

    /// Destroys the rows and keeps the memory.
    func removeAll() {
        base?.deinitialize(count: count)
        count = 0
    }

    private func grow() {
        capacity = max(1024, 2 * capacity)
        let grown = UnsafeMutablePointer<Row>.allocate(capacity: capacity)
        if let base {
            grown.moveInitialize(from: base, count: count)
            base.deallocate()
        }
        base = grown
    }
}

/// Rows parsed from one segment, kept until their turn, and how the segment ended.
final class RowBatch<Row>: @unchecked Sendable {
    var rows = RowBuffer<Row>()
    /// Line feeds in the segment.
    var lines = 0
    /// The error that stopped the segment's parse, lines counted from the segment's start.
    var failure: IngestError?
    /// The segment itself, for a sequential reader to go on from `resume` when a row was left
    /// open at its end.
    var segment: Segment?
    /// Where that open row starts in the segment, its line (from the segment's start) and column.
    var resume: (offset: Int, line: Int, column: Int)?
    /// The file could not be read (not a parse error: nothing before it is at stake).
    var readFailure: IngestError?
    /// XML: the segment's parser, left open when the segment did not end between rows, to go on
    /// with the rest of the file.
    var parser: AnyObject?

    init(segment: Segment, rows: RowBuffer<Row> = RowBuffer()) { self.segment = segment; self.rows = rows }
    init(failure: IngestError) { readFailure = failure }

    /// How many rows a file of `size` bytes holds if its rows are as long as this batch's.
    func estimatedRows(inFileOf size: Int) -> Int {
        guard let bytes = segment?.bytes.count, bytes > 0 else { return 0 }
        return Int(Double(size) * Double(rows.count) / Double(bytes))
    }

    /// Gives each row to `body`, and shows `ahead` each row a few places before its turn, so that
    /// the memory it will need can be fetched while the rows before it are handled.
    /// Rows are lent in place, by pointer: passed as values, each was copied four times (a fee
    /// row is about 300 bytes; callgrind).
    func handOver(ahead: (UnsafePointer<Row>) -> Void, _ body: (UnsafePointer<Row>) -> Void) {
        let distance = 32
        let count = rows.count
        guard let first = rows.base.map({ UnsafePointer<Row>($0) }) else { return }
        for i in 0..<min(2 * distance, count) { Self.fetch(first + i) }
        for i in 0..<min(distance, count) { ahead(first + i) }
        for i in 0..<count {
            // The rows were written on another core: each is fetched twice as far ahead as
            // `ahead` looks at it (perf, 10M batch: `ahead`'s first look at a row, which
            // waited for it to come over, was a fifth of the ledger's time).
            if i + 2 * distance < count { Self.fetch(first + i + 2 * distance) }
            if i + distance < count { ahead(first + i + distance) }
            body(first + i)
        }
    }

    /// Asks the processor to fetch every cache line of a row.
    @inline(__always)
    private static func fetch(_ row: UnsafePointer<Row>) {
        let start = UnsafeRawPointer(row)
        for offset in stride(from: 0, to: MemoryLayout<Row>.stride, by: 64) { fr_prefetch(start + offset) }
    }
}

extension IngestError {
    /// The same error with its line moved by `lines` (a segment's errors count from its start).
    func shifted(by lines: Int) -> IngestError {
        guard case .malformed(var location, let message) = self else { return self }
        location.line += lines
        return .malformed(location, message)
    }
}

#if canImport(Glibc)
import Glibc
#endif
