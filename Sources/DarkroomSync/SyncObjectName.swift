import Foundation

/// The kinds of objects sync stores in a transport, and their names:
///
/// | Object | Name |
/// |---|---|
/// | envelope `seq` of `device`'s log | `log/<device>/<seq, 20 digits>` |
/// | checkpoint `counter` signed by `device` | `checkpoint/<device>/<counter, 20 digits>` |
/// | encrypted blob | `blob/<BLAKE2b-256 of the ciphertext, hex>` |
/// | keyring for membership `version`, sealed to `device` | `keyring/<version, 20 digits>/<device>` |
/// | recovery bundle of `device` (see `RecoveryBundle`) | `recovery/<device>` |
public enum SyncObjectName: Sendable, Hashable {
    /// An envelope of one device's log.
    case log(DeviceID, sequence: UInt64)
    /// A signed checkpoint.
    case checkpoint(DeviceID, counter: UInt64)
    /// An encrypted blob named by its ciphertext hash (64 hex digits).
    case blob(String)
    /// A keyring sealed to one device after a membership change.
    case keyring(version: UInt64, device: DeviceID)
    /// A recovery bundle sealed under the recovery key.
    case recovery(DeviceID)

    /// The transport name.
    public var objectName: ObjectName {
        switch self {
        case .log(let d, let s): return ObjectName(rawValue: "log/\(d)/\(Self.digits(s))")!
        case .checkpoint(let d, let c): return ObjectName(rawValue: "checkpoint/\(d)/\(Self.digits(c))")!
        case .blob(let h): return ObjectName(rawValue: "blob/\(h)")!
        case .keyring(let v, let d): return ObjectName(rawValue: "keyring/\(Self.digits(v))/\(d)")!
        case .recovery(let d): return ObjectName(rawValue: "recovery/\(d)")!
        }
    }

    /// Parses a transport name; nil for names sync does not use.
    public init?(_ name: ObjectName) {
        let parts = name.segments
        guard parts.count == 3 || (parts.count == 2 && (parts[0] == "blob" || parts[0] == "recovery")) else { return nil }
        switch parts[0] {
        case "log":
            guard let d = DeviceID(rawValue: String(parts[1])), let s = Self.number(parts[2]) else { return nil }
            self = .log(d, sequence: s)
        case "checkpoint":
            guard let d = DeviceID(rawValue: String(parts[1])), let c = Self.number(parts[2]) else { return nil }
            self = .checkpoint(d, counter: c)
        case "blob":
            let h = String(parts[1])
            guard h.count == 64, h.allSatisfy(\.isHexDigit) else { return nil }
            self = .blob(h)
        case "recovery":
            guard let d = DeviceID(rawValue: String(parts[1])) else { return nil }
            self = .recovery(d)
        case "keyring":
            guard let v = Self.number(parts[1]), let d = DeviceID(rawValue: String(parts[2])) else { return nil }
            self = .keyring(version: v, device: d)
        default:
            return nil
        }
    }

    private static func digits(_ n: UInt64) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 20 - s.count)) + s
    }

    private static func number(_ s: Substring) -> UInt64? {
        guard s.count == 20 else { return nil }
        return UInt64(s)
    }
}
