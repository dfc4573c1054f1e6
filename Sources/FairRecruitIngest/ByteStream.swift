import FairRecruitCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a reader takes its bytes from, a chunk at a time; nil at the end.
protocol ChunkSource: AnyObject {
    func next() throws(IngestError) -> [UInt8]?
    /// Appends the next chunk to `buffer`; false at the end.
    func next(appendingTo buffer: inout [UInt8]) throws(IngestError) -> Bool
}

extension ChunkSource {
    func next(appendingTo buffer: inout [UInt8]) throws(IngestError) -> Bool {
        guard let chunk = try next() else { return false }
        buffer += chunk
        return true
    }
}

/// Told the bytes of a file read so far, for progress on a terminal; called from whichever
/// thread reads.
public typealias ReadProgress = @Sendable (_ bytesRead: Int) -> Void

/// Bytes already in memory, given as one chunk.
final class OneChunk: ChunkSource {
    private var bytes: [UInt8]?
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func next() throws(IngestError) -> [UInt8]? { defer { bytes = nil }; return bytes }
}

/// Reads a file in chunks as UTF-8 bytes: a UTF-8 byte-order mark is dropped and UTF-16 with a
/// mark is transcoded on the fly, so memory stays constant whatever the file's size.
final class ByteStream: ChunkSource {
    static let chunkSize = 1 << 20

    let path: String
    private let file: UnsafeMutablePointer<FILE>
    private var encoding: TextDecoding.Encoding = .utf8
    private var carry: [UInt8] = []      // a UTF-16 code unit or surrogate pair split across chunks
    private var raw = [UInt8](repeating: 0, count: ByteStream.chunkSize)
    private var started = false
    // Position in the decoded text, for UTF-16 errors.
    private var line = 1, column = 1
    private var bytesRead = 0
    var progress: ReadProgress?

    init(path: String) throws(IngestError) {
        self.path = path
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw IngestError.unreadable(path: path, reason: "is a folder")
        }
        guard let handle = fopen(path, "rb") else {
            throw IngestError.unreadable(path: path, reason: String(cString: strerror(errno)).lowercased())
        }
        file = handle
    }

    deinit { fclose(file) }

    /// The size of the file in bytes (0 when it cannot be told).
    static func size(of path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    /// The next chunk of UTF-8 bytes, or nil at the end of the file.
    func next() throws(IngestError) -> [UInt8]? {
        var bytes: [UInt8] = []
        return try next(appendingTo: &bytes) ? bytes : nil
    }

    /// Appends the next chunk of UTF-8 bytes to `buffer`; false at the end of the file. UTF-8 is
    /// copied once, from the read buffer to `buffer` (a large file's segments are filled this
    /// way rather than from chunks of their own: each copy of a 10M-row file is 1.1 GB).
    func next(appendingTo buffer: inout [UInt8]) throws(IngestError) -> Bool {
        let count = fread(&raw, 1, raw.count, file)
        bytesRead += count
        progress?(bytesRead)
        if count == 0 {
            if ferror(file) != 0 { throw IngestError.unreadable(path: path, reason: "read error") }
            if !carry.isEmpty {
                throw IngestError.malformed(SourceLocation(file: path, line: line, column: column), "truncated UTF-16 text at the end of the file")
            }
            return false
        }
        var skip = 0
        if !started {
            started = true
            (encoding, skip) = TextDecoding.sniff(raw[0..<count])
            // UTF-16 without a byte-order mark is refused here, at its first NUL byte: libxml2
            // would otherwise recognise it and read it (§3.4 refuses it). Readers refuse NUL
            // bytes further on themselves (the CSV reader as invalid text, libxml2 as not XML).
            if encoding == .utf8, let failure = TextDecoding.firstNUL(raw[skip..<count]) {
                throw IngestError.malformed(SourceLocation(file: path, line: failure.line, column: failure.column), failure.message)
            }
        }
        guard encoding != .utf8 else { buffer += raw[skip..<count]; return true }
        let input = carry + raw[skip..<count]
        // Keep back an odd byte or a high surrogate whose pair has not arrived yet.
        var usable = input.count - input.count % 2
        if usable >= 2 {
            let last = encoding == .utf16BE ? UInt16(input[usable - 2]) << 8 | UInt16(input[usable - 1])
                                            : UInt16(input[usable - 1]) << 8 | UInt16(input[usable - 2])
            if (0xD800...0xDBFF).contains(last) { usable -= 2 }
        }
        carry = Array(input[usable...])
        switch TextDecoding.utf16ToUTF8(input[0..<usable], bigEndian: encoding == .utf16BE) {
        case .success(let utf8):
            for byte in utf8 where byte & 0xC0 != 0x80 { if byte == 0x0A { line += 1; column = 1 } else { column += 1 } }
            buffer += utf8
            return true
        case .failure(let failure):
            let at = SourceLocation(file: path, line: line + failure.line - 1, column: failure.line == 1 ? column + failure.column - 1 : failure.column)
            throw IngestError.malformed(at, failure.message)
        }
    }
}

/// Input files named on the command line.
public enum InputFiles {
    /// Fails as reading `path` would if it cannot be opened (missing, a folder, not permitted).
    public static func requireReadable(_ path: String) throws(IngestError) { _ = try ByteStream(path: path) }
}
