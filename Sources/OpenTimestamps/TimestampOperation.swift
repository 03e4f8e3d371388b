import SHA2

/// An OpenTimestamps operation (python-opentimestamps `core/op.py`): each
/// takes the message so far and gives the next. Only the three a Vitalgate
/// proof needs are here.
public enum TimestampOperation: Sendable, Equatable {
    /// `OpSHA256`, tag 0x08.
    case sha256
    /// `OpAppend`, tag 0xf0: message || argument.
    case append([UInt8])
    /// `OpPrepend`, tag 0xf1: argument || message.
    case prepend([UInt8])

    /// The client refuses arguments and results longer than this (`MAX_RESULT_LENGTH`),
    /// and binary operations with an empty argument.
    public static let maxLength = 4096

    public var tag: UInt8 {
        switch self {
        case .sha256: 0x08
        case .append: 0xf0
        case .prepend: 0xf1
        }
    }

    public func apply(_ message: [UInt8]) -> [UInt8] {
        switch self {
        case .sha256: SHA256.hash(message).bytes
        case .append(let a): message + a
        case .prepend(let p): p + message
        }
    }

    /// Tag, then for a binary operation its argument as varbytes.
    func serialize(into out: inout [UInt8]) {
        out.append(tag)
        switch self {
        case .sha256: break
        case .append(let a), .prepend(let a): OTSVarint.appendBytes(a, to: &out)
        }
    }
}

/// The client's integers: unsigned LEB128 (`write_varuint`); byte strings
/// are a varuint length then the bytes (`write_varbytes`).
enum OTSVarint {
    static func append(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        repeat {
            var byte = UInt8(v & 0x7f)
            v >>= 7
            if v != 0 { byte |= 0x80 }
            out.append(byte)
        } while v != 0
    }

    static func appendBytes(_ bytes: [UInt8], to out: inout [UInt8]) {
        append(UInt64(bytes.count), to: &out)
        out += bytes
    }
}
