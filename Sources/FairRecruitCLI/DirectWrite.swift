import CDirectIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Writes a large new file around the page cache (`O_DIRECT`), where the file system allows it.
///
/// A batch writes about a gigabyte of reports that nobody reads back soon. Through the page cache
/// every byte is copied into freshly allocated kernel memory, which on the 2-core virtual machine
/// the benchmarks run on cost 2.3 s of CPU per gigabyte (`dd bs=1M count=1000`: 1.96 s of system
/// time buffered, 0.09–0.12 s with `oflag=direct`) — a tenth of a 10-million-record batch's CPU.
/// Direct writes need memory, lengths and offsets aligned to the device's blocks, so the bytes
/// are copied into an aligned buffer a few megabytes at a time, the last piece padded to a whole
/// block, and the file is then cut back to its length. Where direct writes are refused (tmpfs,
/// some network file systems) nothing is written and the caller writes as usual.
enum DirectWrite {
    /// Files smaller than this are written as usual: direct writes wait for the disk.
    static let threshold = 256 << 10
    /// A multiple of every block size in use (512 or 4,096 bytes).
    private static let alignment = 4096
    /// Bytes copied and written at a time, so that a report of a hundred megabytes does not need
    /// an aligned copy of its own.
    private static let chunk = 4 << 20

    /// Aligned buffers kept for reuse (one per thread writing at a time): fresh memory costs as
    /// much to touch as the page cache it avoids.
    private static let spare = Mutex<[Buffer]>([])

    /// Memory only one thread uses at a time: taken from `spare`, given back when done.
    private struct Buffer: @unchecked Sendable { let memory: UnsafeMutableRawBufferPointer }

    /// Writes `bytes` to the new file `path` (created, must not exist). Nil when direct writes are
    /// not possible there, with no file left behind; otherwise whether every step succeeded.
    static func create(_ path: String, with bytes: UnsafeRawBufferPointer) -> Bool? {
        let direct = fr_o_direct()
        guard direct != 0, let source = bytes.baseAddress else { return nil }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | direct, 0o666)
        guard fd >= 0 else {
            if errno == EINVAL { unlink(path); return nil }   // the file system refuses O_DIRECT
            return false
        }
        let taken = take()
        defer { spare.withLock { $0.append(taken) } }
        let buffer = taken.memory.baseAddress!
        var done = 0
        while done < bytes.count {
            let count = min(chunk, bytes.count - done)
            let padded = (count + alignment - 1) / alignment * alignment   // only the last chunk is short
            buffer.copyMemory(from: source + done, byteCount: count)
            (buffer + count).initializeMemory(as: UInt8.self, repeating: 0, count: padded - count)
            guard writeAll(fd, UnsafeRawBufferPointer(start: buffer, count: padded)) else {
                let refused = errno == EINVAL && done == 0   // the file system refuses direct writes after all
                close(fd)
                if refused { unlink(path); return nil }
                return false
            }
            done += count
        }
        let ok = ftruncate(fd, off_t(bytes.count)) == 0
        return close(fd) == 0 && ok
    }

    private static func take() -> Buffer {
        spare.withLock { $0.popLast() } ?? Buffer(memory: .allocate(byteCount: chunk, alignment: alignment))
    }
}
