/// Decodes input text: UTF-8 with or without a byte-order mark, or UTF-16 with one (§3.4).
/// Anything else is refused at the first bad byte, with its line and column.
public enum TextDecoding {
    public struct Failure: Error, Sendable, Hashable {
        public var line: Int
        public var column: Int
        public var message: String
    }

    public enum Encoding: Sendable { case utf8, utf16LE, utf16BE }

    /// The message for a NUL byte. It is valid UTF-8 but never text: UTF-16 without a byte-order
    /// mark has one in every ASCII character, and anywhere else it would reach ids and reports.
    public static let nulByte = "NUL byte: not UTF-8 text (the file must be UTF-8, or UTF-16 with a byte-order mark)"

    /// Where the first NUL byte of UTF-8 text is, if any (columns count characters).
    public static func firstNUL(_ bytes: ArraySlice<UInt8>) -> Failure? {
        guard let nul = bytes.firstIndex(of: 0) else { return nil }
        var line = 1, column = 1
        for byte in bytes[..<nul] where byte & 0xC0 != 0x80 {
            if byte == 0x0A { line += 1; column = 1 } else { column += 1 }
        }
        return Failure(line: line, column: column, message: nulByte)
    }

    /// The encoding announced by a byte-order mark, and the mark's length.
    public static func sniff(_ prefix: some Collection<UInt8>) -> (Encoding, bomLength: Int) {
        let bytes = Array(prefix.prefix(3))
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { return (.utf8, 3) }
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE { return (.utf16LE, 2) }
        if bytes.count >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF { return (.utf16BE, 2) }
        return (.utf8, 0)
    }

    /// Decodes a whole file's bytes to a String.
    public static func decode(_ bytes: [UInt8]) -> Result<String, Failure> {
        let (encoding, bom) = sniff(bytes)
        switch encoding {
        case .utf8:
            let body = bytes[bom...]
            if let failure = firstInvalidUTF8(body) { return .failure(failure) }
            return .success(String(decoding: body, as: UTF8.self))
        case .utf16LE, .utf16BE:
            return utf16ToUTF8(bytes[bom...], bigEndian: encoding == .utf16BE).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// The position of the first byte that is not valid UTF-8, if any.
    public static func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> Failure? {
        var line = 1, column = 1
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b < 0x80 {
                if b == 0 { return Failure(line: line, column: column, message: nulByte) }
                if b == 0x0A { line += 1; column = 1 } else { column += 1 }
                i += 1
                continue
            }
            let length: Int
            var minimum: UInt32
            var scalar: UInt32
            switch b {
            case 0xC2...0xDF: length = 2; minimum = 0x80; scalar = UInt32(b & 0x1F)
            case 0xE0...0xEF: length = 3; minimum = 0x800; scalar = UInt32(b & 0x0F)
            case 0xF0...0xF4: length = 4; minimum = 0x10000; scalar = UInt32(b & 0x07)
            default: return Failure(line: line, column: column, message: String(format2: b))
            }
            guard i + length <= bytes.endIndex else { return Failure(line: line, column: column, message: String(format2: b)) }
            for k in 1..<length {
                let c = bytes[i + k]
                guard c & 0xC0 == 0x80 else { return Failure(line: line, column: column, message: String(format2: b)) }
                scalar = scalar << 6 | UInt32(c & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) {
                return Failure(line: line, column: column, message: String(format2: b))
            }
            column += 1
            i += length
        }
        return nil
    }

    /// Transcodes UTF-16 to UTF-8, refusing unpaired surrogates and odd lengths.
    public static func utf16ToUTF8(_ bytes: ArraySlice<UInt8>, bigEndian: Bool) -> Result<[UInt8], Failure> {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var line = 1, column = 1
        var i = bytes.startIndex
        func unit(_ at: Int) -> UInt16 {
            bigEndian ? UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1]) : UInt16(bytes[at + 1]) << 8 | UInt16(bytes[at])
        }
        while i < bytes.endIndex {
            guard i + 1 < bytes.endIndex else {
                return .failure(Failure(line: line, column: column, message: "truncated UTF-16 code unit"))
            }
            let u = unit(i)
            var scalar = UInt32(u)
            var width = 2
            if (0xD800...0xDBFF).contains(u) {
                guard i + 3 < bytes.endIndex, (0xDC00...0xDFFF).contains(unit(i + 2)) else {
                    return .failure(Failure(line: line, column: column, message: "unpaired UTF-16 surrogate"))
                }
                scalar = 0x10000 + ((UInt32(u) - 0xD800) << 10) + (UInt32(unit(i + 2)) - 0xDC00)
                width = 4
            } else if (0xDC00...0xDFFF).contains(u) {
                return .failure(Failure(line: line, column: column, message: "unpaired UTF-16 surrogate"))
            }
            if scalar == 0x0A { line += 1; column = 1 } else { column += 1 }
            output.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar)!)!)
            i += width
        }
        return .success(output)
    }
}

extension String {
    /// "invalid UTF-8 byte 0xE9": the message for a byte that breaks the encoding.
    init(format2 byte: UInt8) {
        let hex = String(byte, radix: 16, uppercase: true)
        self = "invalid UTF-8 byte 0x\(hex.count == 1 ? "0" + hex : hex) (the file must be UTF-8, or UTF-16 with a byte-order mark)"
    }
}
